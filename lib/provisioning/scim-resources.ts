import type { KitUser } from './kit-bodies.js'
import type { JsonObject, JsonValue } from './kit-json.js'

/** The SCIM 2.0 schema URNs Atrium sends and reads (RFC 7643, RFC 7644). */
export const SCIM = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
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

interface PatchOperation {
  op: 'add' | 'replace' | 'remove'
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

/** A resource the server returned, ready to be PUT back: without its read-only `id` and `meta`. */
export const writable = (resource: JsonObject, changes: JsonObject): JsonObject => {
  const { id: _id, meta: _meta, ...rest } = resource
  return { ...rest, ...changes }
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
