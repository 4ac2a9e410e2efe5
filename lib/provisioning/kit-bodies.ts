import { nowMs as clockNow } from '../core/clock.js'
import { type JsonObject, type JsonValue, KitWireError, wireText, wireValue } from './kit-json.js'

/**
 * The bodies of the five workbench sync interfaces (protocol doc C.2–C.5), in both dialects:
 * v1 (header authToken) and v2 (headers x-sign, x-timestamp, x-nonce). A provider speaks one.
 * Builders take typed inputs and return the body to sign (kit-sign.ts); they refuse what the
 * provider would refuse or misread, so a bad call fails here and not as a 000002 later.
 */

export type KitVersion = 'v1' | 'v2'
export type KitInterface = 'tenantSync' | 'applicationSync' | 'authSync' | 'singleOrgSync' | 'allOrgSync'

/** The sub-path the platform appends to the provider's one production base URL (C.1, C.2). */
export const kitPath = (version: KitVersion, iface: KitInterface): string =>
  version === 'v1' ? `/produceAPI/${iface}` : `/produceAPI/v2/${iface}`

/**
 * `yyyyMMddHHmmssSSS` in UTC+8 (China time, no daylight saving), the dialects' timeStamp (C.3).
 * Not the v2 header x-timestamp, which is epoch milliseconds.
 */
export const kitTimeStamp = (ms: number): string => {
  if (!Number.isFinite(ms)) throw new KitWireError(`${ms} is not a time`)
  return new Date(Math.trunc(ms) + 8 * 3_600_000)
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17)
}

/**
 * The flags each interface takes per version (C.5): 0 delete, 1 add, 2 modify, 3 revoke the grant.
 * v1 has no modify for tenants and app credentials (a rotated secret is delete + add, Q8) and no
 * revoke; allOrgSync takes no flag.
 */
export const KIT_FLAGS = {
  v1: { tenantSync: [0, 1], applicationSync: [0, 1], authSync: [0, 1, 2], singleOrgSync: [0, 1, 2] },
  v2: { tenantSync: [0, 1, 2], applicationSync: [0, 1, 2], authSync: [0, 1, 2, 3], singleOrgSync: [0, 1, 2] },
} as const
export type FlaggedInterface = keyof (typeof KIT_FLAGS)['v1']
/** With a literal version, a flag the version lacks is a type error; with a stored one, a throw. */
export type KitFlag<V extends KitVersion, I extends FlaggedInterface> = (typeof KIT_FLAGS)[V][I][number]

/** The flag of authSync for a grant removed from a user who stays in the enterprise (C.5, Q9). */
export function revokeFlag(version: 'v1'): 0
export function revokeFlag(version: 'v2'): 3
export function revokeFlag(version: KitVersion): 0 | 3
export function revokeFlag(version: KitVersion): 0 | 3 {
  return version === 'v2' ? 3 : 0
}

const checkFlag = (version: KitVersion, iface: FlaggedInterface, flag: number): number => {
  const allowed: readonly number[] = KIT_FLAGS[version][iface]
  if (!allowed.includes(flag))
    throw new KitWireError(`${iface} ${version} takes flag ${allowed.join(', ')}, not ${flag}`, 'flag')
  return flag
}

/**
 * A string field: cleaned as it will be sent, then held to the documented length (UTF-16 units,
 * as Java counts) and, when required, to not being blank.
 */
const text = (field: string, value: string, max: number | undefined, required: boolean): string => {
  if (typeof value !== 'string') throw new KitWireError('must be a string', field)
  const clean = wireText(value)
  if (required && clean.trim() === '') throw new KitWireError('is required', field)
  if (max !== undefined && clean.length > max) throw new KitWireError(`is longer than ${max}`, field)
  return clean
}

/**
 * A name shown to people (an enterprise's, a user's, a department's, a position): cut to the
 * documented length rather than refused, since Atrium's own names may be longer and one long
 * name must not hold up a tenant's sync. Identifiers, addresses and contact data are never cut.
 */
const label = (field: string, value: string, max: number, required: boolean): string => {
  const clean = text(field, value, undefined, required)
  if (clean.length <= max) return clean
  const cut = clean.slice(0, max)
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut // never half a surrogate pair
}

/** The fields every interface carries (C.3). */
export interface KitCommon {
  /** the order instance; empty for a provider's self-test calls */
  instanceId: string
  /** the enterprise's id, the same in all five interfaces and in userinfo/CAS `tenant` */
  tenantId: string
  /** 0 production, 1 test data (self-test) */
  testFlag: 0 | 1
  /** when the call is sent, for its timeStamp (default now): a retry rebuilds the body */
  nowMs?: number
}

const common = (input: KitCommon) => {
  if (input.testFlag !== 0 && input.testFlag !== 1) throw new KitWireError('is 0 or 1', 'testFlag')
  return {
    instanceId: text('instanceId', input.instanceId, 64, false),
    tenantId: text('tenantId', input.tenantId, 64, true),
    testFlag: input.testFlag,
    timeStamp: kitTimeStamp(input.nowMs ?? clockNow()),
  }
}

const COMMON_FIELDS = ['instanceId', 'tenantId', 'testFlag', 'timeStamp'] as const

/**
 * Every field of each v1 body. The v1 verifier signs the fields of its own request bean, so a
 * field more or less than documented breaks the signature: signV1 sends nothing else.
 */
export const V1_FIELDS: Record<KitInterface, readonly string[]> = {
  tenantSync: [...COMMON_FIELDS, 'orderId', 'tenantCode', 'name', 'domainName', 'flag'],
  applicationSync: [...COMMON_FIELDS, 'appId', 'clientId', 'clientSecret', 'flag'],
  authSync: [...COMMON_FIELDS, 'appId', 'userList', 'currentSyncTime', 'flag'],
  singleOrgSync: [...COMMON_FIELDS, 'orgCode', 'orgName', 'parentCode', 'flag'],
  allOrgSync: [...COMMON_FIELDS, 'orgInfo'],
}

// --- tenantSync ---------------------------------------------------------------------------------

export interface TenantSyncInput<V extends KitVersion = KitVersion> extends KitCommon {
  /** the marketplace order; empty for self-test */
  orderId: string
  /** the tenant's slug, which routes its members' login */
  tenantCode: string
  /** the enterprise's name */
  name: string
  /** the base URL of the tenant's auth centre: the app calls `{domainName}/api/v1/oauth2/*` */
  domainName: string
  flag: KitFlag<V, 'tenantSync'>
}

export const tenantSyncBody = <V extends KitVersion>(version: V, input: TenantSyncInput<V>): JsonObject => ({
  ...common(input),
  orderId: text('orderId', input.orderId, 64, false),
  tenantCode: text('tenantCode', input.tenantCode, 64, true),
  name: label('name', input.name, 255, true),
  domainName: text('domainName', input.domainName, 255, true),
  flag: checkFlag(version, 'tenantSync', input.flag),
})

// --- applicationSync ----------------------------------------------------------------------------

export interface ApplicationSyncInput<V extends KitVersion = KitVersion> extends KitCommon {
  /** the provider's app credential id */
  appId: string
  clientId: string
  /** already encrypted with the provider's public key (client-secret.ts), base64 */
  clientSecret: string
  flag: KitFlag<V, 'applicationSync'>
}

export const applicationSyncBody = <V extends KitVersion>(
  version: V,
  input: ApplicationSyncInput<V>,
): JsonObject => ({
  ...common(input),
  appId: text('appId', input.appId, 64, true),
  clientId: text('clientId', input.clientId, 64, true),
  clientSecret: text('clientSecret', input.clientSecret, undefined, true),
  flag: checkFlag(version, 'applicationSync', input.flag),
})

// --- authSync -----------------------------------------------------------------------------------

/** A provider receives at most this many users per authSync call (C.4). */
export const MAX_USERS_PER_CALL = 500

/** 1 regular, 2 intern, 3 dispatched, 4 outsourced. */
export type EmployeeType = 1 | 2 | 3 | 4

/**
 * One user of an authSync batch (C.4). Optional fields are sent only when given: the caller
 * leaves out what the enterprise did not grant the app (section D), and sends `''` to clear a
 * field whose grant was withdrawn (Q5).
 */
export interface KitUser {
  /** the account, unique within the tenant (the provider keys on tenantId + userName) */
  userName: string
  name: string
  /** the department's code, synced before any user refers to it */
  orgCode: string
  /** admin: the app's administrator in this enterprise */
  role: 'admin' | 'user'
  /** sent as the strings "true" / "false" */
  enable: boolean
  position?: string
  employeeCode?: string
  employeeType?: EmployeeType | ''
  mobile?: string
  email?: string
  workPlace?: string
  /** `yyyy-M-d` in the documentation's examples */
  entryDate?: string
  /** free-form fields: the enterprise's custom fields, ERP ledger info */
  extension?: Record<string, JsonValue>
}

// workPlace and entryDate have no documented length: 255 and 32 are ours.
const OPTIONAL_USER_TEXT = [
  ['position', 64, label],
  ['employeeCode', 64, text],
  ['mobile', 32, text],
  ['email', 128, text],
  ['workPlace', 255, label],
  ['entryDate', 32, text],
] as const

const kitUser = (version: KitVersion, user: KitUser, at: string): JsonObject => {
  if (user.role !== 'admin' && user.role !== 'user') throw new KitWireError('is admin or user', `${at}.role`)
  if (typeof user.enable !== 'boolean') throw new KitWireError('is a boolean', `${at}.enable`)
  const out: JsonObject = {
    userName: text(`${at}.userName`, user.userName, 64, true),
    name: label(`${at}.name`, user.name, 64, true),
    orgCode: text(`${at}.orgCode`, user.orgCode, 64, true),
    role: user.role,
    enable: user.enable ? 'true' : 'false',
  }
  for (const [field, max, check] of OPTIONAL_USER_TEXT) {
    const value = user[field]
    if (value !== undefined) out[field] = check(`${at}.${field}`, value, max, false)
  }
  const type = user.employeeType
  if (type !== undefined) {
    if (type !== '' && ![1, 2, 3, 4].includes(type))
      throw new KitWireError('is 1, 2, 3 or 4', `${at}.employeeType`)
    // an int in v2; the v1 example has a string
    out.employeeType = version === 'v1' ? String(type) : type
  }
  let extension = user.extension === undefined ? undefined : wireValue(user.extension, `${at}.extension`)
  if (
    extension !== undefined &&
    (typeof extension !== 'object' || extension === null || Array.isArray(extension))
  )
    throw new KitWireError('is an object', `${at}.extension`)
  if (version === 'v1') {
    // The v1 table lists entryDate, employeeType and workPlace at the top, its example inside
    // extension (Q6): send both, the typed value winning over a custom field of the same code.
    const mirrored: JsonObject = {}
    for (const f of ['entryDate', 'employeeType', 'workPlace'] as const) {
      const value = out[f]
      if (value !== undefined) mirrored[f] = value
    }
    if (Object.keys(mirrored).length > 0)
      extension = { ...(extension as JsonObject | undefined), ...mirrored }
  }
  if (extension !== undefined) out.extension = extension
  return out
}

export interface AuthSyncInput<V extends KitVersion = KitVersion> extends KitCommon {
  appId: string
  /** 1 to 500 users, all under the one flag */
  users: readonly KitUser[]
  /** when this batch was formed, for currentSyncTime (default: nowMs); kept across retries */
  syncTimeMs?: number
  flag: KitFlag<V, 'authSync'>
}

/** authSync: `userList` is a JSON string in v1 and an array in v2. */
export const authSyncBody = <V extends KitVersion>(version: V, input: AuthSyncInput<V>): JsonObject => {
  const base = common(input)
  const { users } = input
  if (!Array.isArray(users) || users.length === 0)
    throw new KitWireError('holds at least one user', 'userList')
  if (users.length > MAX_USERS_PER_CALL)
    throw new KitWireError(`holds ${users.length} users, at most ${MAX_USERS_PER_CALL} per call`, 'userList')
  const userList = users.map((user, i) => kitUser(version, user, `userList[${i}]`))
  return {
    ...base,
    appId: text('appId', input.appId, 64, true),
    userList: version === 'v1' ? JSON.stringify(userList) : userList,
    currentSyncTime: input.syncTimeMs === undefined ? base.timeStamp : kitTimeStamp(input.syncTimeMs),
    flag: checkFlag(version, 'authSync', input.flag),
  }
}

// --- departments ----------------------------------------------------------------------------------

export interface KitOrg {
  /** unique in the tenant */
  orgCode: string
  orgName: string
  /** empty only for a top-level department; a new one moves the department */
  parentCode: string
}

const kitOrg = (org: KitOrg, at: string) => ({
  orgCode: text(`${at}orgCode`, org.orgCode, 64, true),
  orgName: label(`${at}orgName`, org.orgName, 128, true),
  parentCode: text(`${at}parentCode`, org.parentCode, 64, false),
})

export interface SingleOrgSyncInput<V extends KitVersion = KitVersion> extends KitCommon, KitOrg {
  flag: KitFlag<V, 'singleOrgSync'>
}

export const singleOrgSyncBody = <V extends KitVersion>(
  version: V,
  input: SingleOrgSyncInput<V>,
): JsonObject => ({
  ...common(input),
  ...kitOrg(input, ''),
  flag: checkFlag(version, 'singleOrgSync', input.flag),
})

export interface AllOrgSyncInput extends KitCommon {
  /** every department of the enterprise, a flat list (parents are named by parentCode) */
  orgs: readonly KitOrg[]
}

/**
 * allOrgSync, no flag: v1 `orgInfo` is a JSON string of {orgCode, name, parentCode}; v2
 * `orgInfoList` an array of {orgCode, orgName, parentCode}, as the v2 table says (its example
 * shows a string and a flag, Q7).
 */
export const allOrgSyncBody = (version: KitVersion, input: AllOrgSyncInput): JsonObject => {
  if (!Array.isArray(input.orgs)) throw new KitWireError('is a list', 'orgs')
  const field = version === 'v1' ? 'orgInfo' : 'orgInfoList'
  const orgs = input.orgs.map((org, i) => kitOrg(org, `${field}[${i}].`))
  return version === 'v1'
    ? {
        ...common(input),
        orgInfo: JSON.stringify(
          orgs.map((o) => ({ orgCode: o.orgCode, name: o.orgName, parentCode: o.parentCode })),
        ),
      }
    : { ...common(input), orgInfoList: orgs }
}
