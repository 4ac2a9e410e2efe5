import type { Principal } from '../core/auth/principal.js'
import { AppError } from '../core/errors.js'
import { decryptIdentifier, getAccount } from '../identity/accounts.js'
import { getMember, updateMember } from './members.js'
import type { UpdateMemberInput } from './schemas.js'

/** The caller: their login, the realm they are in and, in a workbench, their member profile. */
export const me = async (principal: Principal) => {
  const account = await getAccount(principal.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  return {
    accountId: account.accountId,
    identifier: await decryptIdentifier(account),
    scope: principal.scope,
    tenantId: principal.tenantId,
    industry: principal.industry,
    member: principal.tenantId ? await getMember(principal.tenantId, principal.accountId) : undefined,
  }
}

/** A member edits their own profile in this workbench (name and contact fields). */
export const updateMe = async (principal: Principal, input: UpdateMemberInput) => {
  await updateMember(principal.tenantId as string, principal, principal.accountId, input)
  return me(principal)
}
