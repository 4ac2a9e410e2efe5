import type { Caller } from '../core/auth/caller.js'
import { AppError } from '../core/errors.js'
import type { TenantContext } from '../core/tenancy.js'
import { decryptIdentifier, getAccount } from '../identity/accounts.js'
import { getMember, updateMember } from './members.js'
import type { UpdateMemberInput } from './schemas.js'

/** The caller: their login, the realm they are in and, in a workbench, their member profile. */
export const me = async (caller: Caller) => {
  const account = await getAccount(caller.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  return {
    accountId: account.accountId,
    identifier: await decryptIdentifier(account),
    scope: caller.realm,
    tenantId: caller.realm === 'tenant' ? caller.tenant.tenantId : undefined,
    industry: caller.realm === 'industry' ? caller.industry : undefined,
    member: caller.realm === 'tenant' ? await getMember(caller.tenant, caller.accountId) : undefined,
  }
}

/** A member edits their own profile in this workbench (name and contact fields). */
export const updateMe = async (
  caller: Caller & { realm: 'tenant' },
  tenant: TenantContext,
  input: UpdateMemberInput,
) => {
  await updateMember(tenant, caller.accountId, input)
  return me(caller)
}
