import { batchGetRequests } from '../core/db/batch-get.js'
import type { TenantId } from '../core/tenancy.js'
import { accountName } from '../directory/member-record.js'
import { type AppIdentity, identityCipher, identityOfFound, identityRequests } from '../sso/identity.js'
import type { KitUser } from './kit-bodies.js'

/**
 * The org members with no department belong to: the enterprise itself, a top-level org named for
 * the tenant (every kit user needs an orgCode that was synced).
 */
export const enterpriseOrg = (tenant: { code: string; name: string }) => ({
  orgCode: tenant.code,
  orgName: tenant.name,
  parentCode: '',
})

/** The kit's fields for the personal fields a tenant approves (departments travel in extension). */
const KIT_FIELD = {
  mobile: 'mobile',
  email: 'email',
  employeeNo: 'employeeCode',
  position: 'position',
} as const
export type ClearedField = (typeof KIT_FIELD)[keyof typeof KIT_FIELD]

/** The fields an app asks for that the tenant does not let it have: a modify clears them (Q5). */
export const clearedFields = (requested: readonly string[], approved: readonly string[]): ClearedField[] =>
  Object.entries(KIT_FIELD).flatMap(([field, kit]) =>
    requested.includes(field) && !approved.includes(field) ? [kit] : [],
  )

const kitUserOf = (identity: AppIdentity, enable: boolean, fallbackOrg: string): KitUser => ({
  userName: identity.accountName,
  name: identity.name || identity.accountName,
  orgCode: identity.organizationCode ?? fallbackOrg,
  role: identity.role,
  enable,
  ...(identity.fields.employeeNo !== undefined ? { employeeCode: identity.fields.employeeNo } : {}),
  ...(identity.fields.mobile !== undefined ? { mobile: identity.fields.mobile } : {}),
  ...(identity.fields.email !== undefined ? { email: identity.fields.email } : {}),
  ...(identity.fields.position !== undefined ? { position: identity.fields.position } : {}),
  extension: {
    ...identity.attributes,
    ...(identity.fields.departments ? { departments: identity.fields.departments.map((d) => d.code) } : {}),
  },
})

/**
 * Members as the app's provider receives them, read when sending (personal data never waits in
 * the queue): exactly what the app's sign-in would give it — the account name, name, primary
 * department, role and the approved personal fields, its extended attributes in `extension` — and
 * whether they are enabled. `entitledOnly` (adds and changes) leaves out members who are no
 * longer entitled: their revocation is on its way. A revocation names someone who may be gone.
 */
export const kitUsers = async (
  tenantId: TenantId,
  tenantCode: string,
  appId: string,
  memberIds: string[],
  options: { entitledOnly: boolean; clear?: readonly ClearedField[] },
): Promise<KitUser[]> => {
  const { entitledOnly, clear = [] } = options
  const requests = memberIds.map((m) => identityRequests(tenantId, appId, m))
  const [found, cipher] = await Promise.all([
    // the tenant, the app and the department names are asked once (the batch reads distinct keys)
    batchGetRequests(requests.flat(), { consistent: true }),
    identityCipher(tenantId),
  ])
  const per = requests[0]?.length ?? 0
  return memberIds.flatMap((memberId, i): KitUser[] => {
    const own = found.slice(i * per, (i + 1) * per)
    const [, , , membership, account, entitlement] = own as (
      | { status?: string; state?: string }
      | undefined
    )[]
    const enabled = membership?.status === 'active' && account?.status === 'active'
    const entitled = entitlement?.state === 'entitled'
    if (entitledOnly && (!membership || !entitled)) return []
    if (!membership) {
      const name = accountName(tenantId, memberId)
      return [{ userName: name, name, orgCode: tenantCode, role: 'user', enable: false }]
    }
    // the same filter as every sign-in, asked as if the member could sign in: their standing
    // travels as `enable` instead of a refusal
    const asIf = [...own]
    asIf[3] = { ...membership, status: 'active' }
    asIf[4] = { ...account, status: 'active' }
    asIf[5] = { ...entitlement, state: 'entitled' }
    const verdict = identityOfFound(asIf, cipher)
    if (!verdict.ok) return []
    const user = kitUserOf(verdict.identity, enabled && entitled, tenantCode)
    return [{ ...Object.fromEntries(clear.map((f) => [f, ''])), ...user }]
  })
}
