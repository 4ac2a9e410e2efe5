import { batchGetRequests } from '../core/db/batch-get.js'
import type { TenantId } from '../core/tenancy.js'
import { departmentNamesOf } from '../directory/departments.js'
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

/** A member as sent, with the departments whose Groups they belong in (SCIM Groups). */
export interface SentMember {
  memberId: string
  user: KitUser
  /**
   * The departments the app may know the member is in: every one when the tenant approved
   * `departments` for the app, else the primary one only (already sent as the user's orgCode /
   * enterprise `department`); none for a member with no department or no longer in the tenant.
   */
  departments: { deptId: string; name: string }[]
}

/**
 * Members as the app's provider receives them, read when sending (personal data never waits in
 * the queue): exactly what the app's sign-in would give it — the account name, name, primary
 * department, role and the approved personal fields, its extended attributes in `extension` — and
 * whether they are enabled. `entitledOnly` (adds and changes) leaves out members who are no
 * longer entitled: their revocation is on its way. A revocation names someone who may be gone.
 * Also the tenant's department names (by id), read in the same batch.
 */
export const sentMembers = async (
  tenantId: TenantId,
  tenantCode: string,
  appId: string,
  memberIds: string[],
  options: { entitledOnly: boolean; clear?: readonly ClearedField[] },
): Promise<{ members: SentMember[]; departmentNames: Record<string, string> }> => {
  const { entitledOnly, clear = [] } = options
  const requests = memberIds.map((m) => identityRequests(tenantId, appId, m))
  const [found, cipher] = await Promise.all([
    // the tenant, the app and the department names are asked once (the batch reads distinct keys)
    batchGetRequests(requests.flat(), { consistent: true }),
    identityCipher(tenantId),
  ])
  const per = requests[0]?.length ?? 0
  let departmentNames: Record<string, string> = {}
  const members = memberIds.flatMap((memberId, i): SentMember[] => {
    const own = found.slice(i * per, (i + 1) * per)
    departmentNames = departmentNamesOf(own[6] as { names?: unknown } | undefined)
    const [, , , membership, account, entitlement] = own as (
      | { status?: string; state?: string }
      | undefined
    )[]
    const enabled = membership?.status === 'active' && account?.status === 'active'
    const entitled = entitlement?.state === 'entitled'
    if (entitledOnly && (!membership || !entitled)) return []
    if (!membership) {
      const name = accountName(tenantId, memberId)
      return [
        {
          memberId,
          user: { userName: name, name, orgCode: tenantCode, role: 'user', enable: false },
          departments: [],
        },
      ]
    }
    // the same filter as every sign-in, asked as if the member could sign in: their standing
    // travels as `enable` instead of a refusal
    const asIf = [...own]
    asIf[3] = { ...membership, status: 'active' }
    asIf[4] = { ...account, status: 'active' }
    asIf[5] = { ...entitlement, state: 'entitled' }
    const verdict = identityOfFound(asIf, cipher)
    if (!verdict.ok) return []
    const { identity } = verdict
    const user = kitUserOf(identity, enabled && entitled, tenantCode)
    const departments = identity.fields.departments
      ? identity.fields.departments.map((d) => ({ deptId: d.code, name: d.name ?? d.code }))
      : identity.organizationCode
        ? [
            {
              deptId: identity.organizationCode,
              name: identity.organizationName ?? identity.organizationCode,
            },
          ]
        : []
    return [{ memberId, user: { ...Object.fromEntries(clear.map((f) => [f, ''])), ...user }, departments }]
  })
  return { members, departmentNames }
}

/** The members as the workbench's authSync sends them (see sentMembers). */
export const kitUsers = async (
  tenantId: TenantId,
  tenantCode: string,
  appId: string,
  memberIds: string[],
  options: { entitledOnly: boolean; clear?: readonly ClearedField[] },
): Promise<KitUser[]> =>
  (await sentMembers(tenantId, tenantCode, appId, memberIds, options)).members.map((m) => m.user)
