import type { KitUser } from './kit-bodies.js'
import type { JsonObject, JsonValue } from './kit-json.js'

/** The SCIM 2.0 schema URNs Atrium sends and reads (RFC 7643, RFC 7644). */
export const SCIM = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const

const present = (v: string | undefined): v is string => v !== undefined && v !== ''

/**
 * A member as a SCIM User (RFC 7643 §4.1), from exactly what the app may see of them (kitUsers):
 * `userName` and `externalId` are the account name (internal ids never leave), the name is the
 * display name, e-mail and mobile appear only when the tenant approved them, the position is the
 * title, and the enterprise extension carries the employee number and the primary department.
 * An empty value (a withdrawn approval) is left out. Never `id` or `meta`.
 */
export const scimUser = (user: KitUser): JsonObject => {
  const enterprise: JsonObject = {
    ...(present(user.employeeCode) ? { employeeNumber: user.employeeCode } : {}),
    ...(present(user.orgCode) ? { department: user.orgCode } : {}),
  }
  const withEnterprise = Object.keys(enterprise).length > 0
  return {
    schemas: withEnterprise ? [SCIM.user, SCIM.enterprise] : [SCIM.user],
    userName: user.userName,
    externalId: user.userName,
    name: { formatted: user.name },
    displayName: user.name,
    ...(present(user.email) ? { emails: [{ value: user.email, type: 'work', primary: true }] } : {}),
    ...(present(user.mobile) ? { phoneNumbers: [{ value: user.mobile, type: 'mobile' }] } : {}),
    ...(present(user.position) ? { title: user.position } : {}),
    active: user.enable,
    ...(withEnterprise ? { [SCIM.enterprise]: enterprise } : {}),
  }
}

/** A string as a SCIM filter's quoted value (RFC 7644 §3.4.2.2: JSON string rules). */
export const filterValue = (value: string) => JSON.stringify(value)

/** The look-up of a user by `userName` (case-insensitive on the server), as a query string. */
export const userNameQuery = (userName: string) =>
  `filter=${encodeURIComponent(`userName eq ${filterValue(userName)}`)}`

/**
 * A department as a SCIM Group (RFC 7643 §4.2): its name and, as `externalId`, its id (the key a
 * look-up finds it by). Never its members (they go by PATCH, one add or remove at a time) and
 * nothing of its place in the tree (SCIM Groups are flat).
 */
export const scimGroup = (dept: { deptId: string; name: string }): JsonObject => ({
  schemas: [SCIM.group],
  displayName: dept.name,
  externalId: dept.deptId,
})

/**
 * The look-up of a department's Group by `externalId` (case-exact), as a query string, without
 * the members (a big group's list is of no use to a look-up, RFC 7644 §3.4.2.5).
 */
export const externalIdQuery = (externalId: string) =>
  `filter=${encodeURIComponent(`externalId eq ${filterValue(externalId)}`)}&excludedAttributes=members`

/**
 * The Groups a User resource says its user is in (RFC 7643 §4.1.2: `groups`, read-only, kept by
 * the server), direct memberships only; `undefined` when the resource has no `groups` at all (a
 * server that does not keep it, or one that leaves empty lists out: the caller cannot tell).
 */
export const groupIdsOf = (user: JsonObject | undefined): string[] | undefined => {
  const groups = user?.groups
  if (!Array.isArray(groups)) return undefined
  return groups.flatMap((g) =>
    g && typeof g === 'object' && !Array.isArray(g) && typeof g.value === 'string' && g.type !== 'indirect'
      ? [g.value]
      : [],
  )
}

type PatchOp = 'add' | 'replace' | 'remove'

interface PatchOperation {
  op: PatchOp
  path: string
  value?: JsonValue
}

const patchOf = (Operations: PatchOperation[]): JsonObject => ({
  schemas: [SCIM.patchOp],
  Operations: Operations as unknown as JsonValue,
})

/**
 * A modify as a PATCH (RFC 7644 §3.5.2): what the app may see is replaced, what the tenant no
 * longer lets it have (sent as "" by kitUsers) is removed, what it never had is left alone.
 */
export const userPatch = (user: KitUser): JsonObject => {
  const ops: PatchOperation[] = [
    { op: 'replace', path: 'name.formatted', value: user.name },
    { op: 'replace', path: 'displayName', value: user.name },
  ]
  const optional: [string | undefined, string, JsonValue | undefined][] = [
    [
      user.email,
      'emails',
      present(user.email) ? [{ value: user.email, type: 'work', primary: true }] : undefined,
    ],
    [
      user.mobile,
      'phoneNumbers',
      present(user.mobile) ? [{ value: user.mobile, type: 'mobile' }] : undefined,
    ],
    [user.position, 'title', user.position],
    [user.employeeCode, `${SCIM.enterprise}:employeeNumber`, user.employeeCode],
    [user.orgCode, `${SCIM.enterprise}:department`, user.orgCode],
  ]
  for (const [raw, path, value] of optional) {
    if (raw === undefined) continue
    ops.push(raw === '' ? { op: 'remove', path } : { op: 'replace', path, value })
  }
  ops.push({ op: 'replace', path: 'active', value: user.enable })
  return patchOf(ops)
}

/** Deprovisioning: the user is deactivated, never deleted. */
export const deactivatePatch = (): JsonObject => patchOf([{ op: 'replace', path: 'active', value: false }])

/** A Group renamed (its department was). */
export const renamePatch = (displayName: string): JsonObject =>
  patchOf([{ op: 'replace', path: 'displayName', value: displayName }])

/**
 * Membership changes of one Group (RFC 7644 §3.5.2.1, §3.5.2.2): the users it gains in one `add`
 * of `members`, each it loses in a `remove` by a value filter. Never the whole member list.
 */
export const membersPatch = (add: readonly string[], remove: readonly string[]): JsonObject =>
  patchOf([
    ...(add.length > 0
      ? [{ op: 'add' as const, path: 'members', value: add.map((value) => ({ value })) }]
      : []),
    ...remove.map((id) => ({ op: 'remove' as const, path: `members[value eq ${filterValue(id)}]` })),
  ])

/** How a server wants PATCH ops spelt: as RFC 7644 has them, or capitalised (Microsoft's SCIM SDK). */
export const OPS_CASES = ['lower', 'capitalized'] as const
export type OpsCase = (typeof OPS_CASES)[number]

/** A PATCH body with its ops spelt the server's way (`Add`, `Replace`, `Remove` when capitalised). */
export const withOpsCase = (patch: JsonObject, opsCase: OpsCase): JsonObject => {
  const ops = patch.Operations
  if (opsCase === 'lower' || !Array.isArray(ops)) return patch
  return {
    ...patch,
    Operations: ops.map((o) =>
      o && typeof o === 'object' && !Array.isArray(o) && typeof o.op === 'string'
        ? { ...o, op: `${o.op.charAt(0).toUpperCase()}${o.op.slice(1).toLowerCase()}` }
        : o,
    ),
  }
}

/**
 * A resource the server returned, ready to be PUT back: without its read-only `id` and `meta`, and
 * without a User's `groups` (read-only too: membership changes only through the Group).
 */
export const writable = (resource: JsonObject, changes: JsonObject): JsonObject => {
  const { id: _id, meta: _meta, groups: _groups, ...rest } = resource
  return { ...rest, ...changes }
}

/**
 * How long a server asks to be left alone (`Retry-After`, RFC 9110 §10.2.3: seconds, or an HTTP
 * date), in milliseconds from `nowMs`; a date past is 0; anything else is no answer.
 */
export const retryAfterMs = (header: string | null | undefined, nowMs: number): number | undefined => {
  const value = header?.trim()
  if (!value) return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  if (!/[a-z]/i.test(value)) return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

export interface ScimProblem {
  status: string
  scimType?: string
  detail?: string
}

/** A SCIM Error (RFC 7644 §3.12: `status` is a string), or what can be said of a body that is not one. */
export const scimProblem = (httpStatus: number, body: unknown): ScimProblem => {
  const o = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)
  return {
    status: text(o.status) ?? (typeof o.status === 'number' ? String(o.status) : String(httpStatus)),
    scimType: text(o.scimType),
    detail: text(o.detail),
  }
}

const EMAIL = /[^\s@"'<>(),;:[\]]+@[^\s@"'<>(),;:[\]]+/g
const PHONE = /\+?\d[\d\s-]{6,}\d/g

/**
 * A server's detail as the admin may see it: short, and with no personal data — what was sent of
 * the member is masked, and anything shaped like an e-mail address or a phone number too.
 */
export const safeDetail = (detail: string | undefined, sent: readonly string[] = []) => {
  if (!detail) return undefined
  let out = detail
  for (const v of sent) if (v.length >= 3) out = out.split(v).join('…')
  out = out.replace(EMAIL, '…').replace(PHONE, '…').replace(/\s+/g, ' ').trim()
  return out.length > 160 ? `${out.slice(0, 159)}…` : out
}
