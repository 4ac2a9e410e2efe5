import { randomUUID } from 'node:crypto'

/**
 * The stand-in provider's SCIM 2.0 service (RFC 7643 / 7644), as an app's SCIM endpoint would
 * answer Atrium: its configuration (PATCH, filters and ETags supported), Users (found by a
 * `userName` or `externalId` filter, created, read, patched, replaced, deleted; each carries the
 * read-only `groups` it is in, left out when there are none) and Groups (found by `externalId` or
 * `displayName`, created, read, renamed, deleted; members added and removed by PATCH, or replaced
 * whole). Display names and user names are unique (case-insensitive), as many servers keep them;
 * every resource has a version (`meta.version`, the `ETag`) and a stale `If-Match` is refused with
 * 412. A pure function of the store and the request, so it can be tested without a server.
 */

// biome-ignore lint/suspicious/noExplicitAny: a SCIM server keeps whatever JSON it was sent
type Json = any

export const SCIM_URN = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  config: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
} as const

/** What it holds: Users and Groups by id (a Group's members by user id), and a version counter. */
export interface ScimStore {
  users: Map<string, Json>
  groups: Map<string, Json>
  version: number
  /** the last requests, as `METHOD /path → status` (the page lists them; tests read them) */
  log: { at: string; method: string; path: string; status: number }[]
}

export const emptyScimStore = (): ScimStore => ({ users: new Map(), groups: new Map(), version: 0, log: [] })

/**
 * How it takes PATCH ops: `any` case (the default: RFC 7644's names, read case-insensitively),
 * `lower` only, or `capitalized` only (`Add`/`Replace`/`Remove`, as Microsoft's SCIM SDK wants).
 */
export type ScimOpsCase = 'any' | 'lower' | 'capitalized'

export interface ScimRequest {
  method: string
  /** the path under the service's base (`/Users/…`) */
  path: string
  query: URLSearchParams
  ifMatch?: string
  body?: unknown
}

export interface ScimReply {
  status: number
  body?: Json
  headers?: Record<string, string>
}

export const SCIM_BASE = '/scim/v2'
const KEPT_LOG = 500

const problem = (status: number, detail: string, scimType?: string): ScimReply => ({
  status,
  body: { schemas: [SCIM_URN.error], status: String(status), ...(scimType ? { scimType } : {}), detail },
})

const fold = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v)
const nextVersion = (store: ScimStore) => `W/"${++store.version}"`

/** A user as the service shows it: with its Groups (direct), none left out. */
const userOut = (store: ScimStore, user: Json) => {
  const groups = [...store.groups.values()]
    .filter((g) => (g.members ?? []).some((m: Json) => m.value === user.id))
    .map((g) => ({ value: g.id, display: g.displayName, $ref: `../Groups/${g.id}`, type: 'direct' }))
  return { ...user, ...(groups.length > 0 ? { groups } : {}) }
}

const groupOut = (group: Json, withMembers: boolean) => {
  const { members, ...rest } = group
  return withMembers && members?.length > 0 ? { ...rest, members } : rest
}

/** `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5), for the top-level names. */
const shaped = (resource: Json, query: URLSearchParams) => {
  const only = query.get('attributes')
  if (only) {
    const keep = new Set(['id', 'schemas', 'meta', ...only.split(',').map((a) => a.trim())])
    return Object.fromEntries(Object.entries(resource).filter(([k]) => keep.has(k)))
  }
  const excluded = new Set(
    (query.get('excludedAttributes') ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !excluded.has(k)))
}

const withVersion = (reply: ScimReply): ScimReply => {
  const version = reply.body?.meta?.version
  return version ? { ...reply, headers: { ...reply.headers, etag: version } } : reply
}

/** `attr eq "value"` (the only filter Atrium sends, and the only one needed here). */
const readFilter = (filter: string | null) => {
  if (filter === null) return { ok: true as const, match: undefined }
  const m = /^\s*([A-Za-z.]+)\s+eq\s+(".*")\s*$/i.exec(filter)
  if (!m?.[1] || !m[2]) return { ok: false as const }
  try {
    return { ok: true as const, match: { attr: m[1], value: JSON.parse(m[2]) as string } }
  } catch {
    return { ok: false as const }
  }
}

const list = (resources: Json[]): ScimReply => ({
  status: 200,
  body: {
    schemas: [SCIM_URN.list],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  },
})

const matchesVersion = (resource: Json, ifMatch: string | undefined) =>
  ifMatch === undefined || ifMatch === '*' || ifMatch === resource.meta?.version

/** The op's name, if it is spelt the way the service takes it. */
const opName = (op: unknown, opsCase: ScimOpsCase): 'add' | 'replace' | 'remove' | undefined => {
  if (typeof op !== 'string') return undefined
  const name = op.toLowerCase()
  if (name !== 'add' && name !== 'replace' && name !== 'remove') return undefined
  if (opsCase === 'lower' && op !== name) return undefined
  if (opsCase === 'capitalized' && op !== `${name.charAt(0).toUpperCase()}${name.slice(1)}`) return undefined
  return name
}

/** A PATCH body's operations, or what is wrong with it. */
const operationsOf = (body: Json, opsCase: ScimOpsCase) => {
  if (!body || !Array.isArray(body.schemas) || !body.schemas.includes(SCIM_URN.patchOp))
    return { error: problem(400, 'not a PatchOp', 'invalidSyntax') }
  if (!Array.isArray(body.Operations) || body.Operations.length === 0)
    return { error: problem(400, 'no Operations', 'invalidSyntax') }
  const ops: { op: 'add' | 'replace' | 'remove'; path?: string; value?: Json }[] = []
  for (const o of body.Operations) {
    const op = opName(o?.op, opsCase)
    if (!op) return { error: problem(400, `op ${JSON.stringify(o?.op)} is not taken here`, 'invalidSyntax') }
    ops.push({ op, path: typeof o.path === 'string' ? o.path : undefined, value: o.value })
  }
  return { ops }
}

const splitPath = (path: string): string[] =>
  path.startsWith(`${SCIM_URN.enterprise}:`)
    ? [SCIM_URN.enterprise, ...path.slice(SCIM_URN.enterprise.length + 1).split('.')]
    : path.split('.')

const applyUserOp = (user: Json, op: { op: string; path?: string; value?: Json }) => {
  if (!op.path) {
    if (op.op === 'remove' || !op.value || typeof op.value !== 'object') return 'noTarget'
    for (const [k, v] of Object.entries(op.value)) applyUserOp(user, { op: op.op, path: k, value: v })
    return undefined
  }
  const keys = splitPath(op.path)
  let target = user
  for (const k of keys.slice(0, -1)) {
    if (target[k] === undefined || typeof target[k] !== 'object') {
      if (op.op === 'remove') return undefined
      target[k] = {}
    }
    target = target[k]
  }
  const last = keys.at(-1) as string
  if (op.op === 'remove') delete target[last]
  else target[last] = op.value
  return undefined
}

const MEMBER_FILTER = /^members\[value eq (".*")\]$/

/** A Group's PATCH applied to a copy; an error reply when it cannot be. */
const applyGroupOps = (
  store: ScimStore,
  group: Json,
  ops: { op: string; path?: string; value?: Json }[],
): ScimReply | undefined => {
  const members = () => (group.members ??= [] as Json[])
  const valuesOf = (value: Json): string[] | undefined =>
    Array.isArray(value) && value.every((v) => typeof v?.value === 'string')
      ? value.map((v) => v.value as string)
      : undefined
  for (const op of ops) {
    const path = op.path
    if (path === 'members' && (op.op === 'add' || op.op === 'replace')) {
      const ids = valuesOf(op.value)
      if (!ids) return problem(400, 'members takes [{value}]', 'invalidValue')
      const unknown = ids.find((id) => !store.users.has(id))
      if (unknown) return problem(400, `no user ${unknown}`, 'invalidValue')
      if (op.op === 'replace') group.members = []
      for (const id of ids) if (!members().some((m: Json) => m.value === id)) members().push({ value: id })
      continue
    }
    if (path === 'members' && op.op === 'remove') {
      // the whole list, or (as some clients send it) the members given as the value
      const ids = op.value === undefined ? undefined : valuesOf(op.value)
      group.members = ids ? members().filter((m: Json) => !ids.includes(m.value)) : []
      continue
    }
    const filtered = path ? MEMBER_FILTER.exec(path) : null
    if (filtered?.[1] && op.op === 'remove') {
      const id = JSON.parse(filtered[1]) as string
      group.members = members().filter((m: Json) => m.value !== id)
      continue
    }
    const renamed =
      path === 'displayName' && op.op !== 'remove'
        ? op.value
        : !path && op.op === 'replace' && op.value && typeof op.value === 'object'
          ? op.value.displayName
          : undefined
    if (renamed !== undefined) {
      if (typeof renamed !== 'string' || renamed.trim() === '')
        return problem(400, 'displayName is a string', 'invalidValue')
      if (taken(store.groups, 'displayName', renamed, group.id))
        return problem(409, `a group is named ${renamed}`, 'uniqueness')
      group.displayName = renamed
      if (!path && typeof op.value.externalId === 'string') group.externalId = op.value.externalId
      continue
    }
    if (path === 'externalId' && op.op !== 'remove') {
      group.externalId = op.value
      continue
    }
    return problem(400, `${op.op} ${path ?? '(no path)'} is not taken here`, 'invalidPath')
  }
  return undefined
}

const taken = (resources: Map<string, Json>, attr: string, value: unknown, self?: string) =>
  [...resources.values()].some((r) => r.id !== self && fold(r[attr]) === fold(value))

/** Users and Groups as written: what a client may not set (id, meta, a user's groups) is the service's. */
const clean = (body: Json) => {
  const { id: _id, meta: _meta, groups: _groups, ...rest } = body ?? {}
  return rest
}

const stamp = (store: ScimStore, resource: Json, resourceType: 'User' | 'Group', at: string) => {
  resource.meta = {
    resourceType,
    created: resource.meta?.created ?? at,
    lastModified: at,
    version: nextVersion(store),
    location: `${SCIM_BASE}/${resourceType}s/${resource.id}`,
  }
  return resource
}

const config = (): ScimReply => ({
  status: 200,
  body: {
    schemas: [SCIM_URN.config],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token', primary: true }],
  },
})

/** One request to the service, answered; the store changes as it says. */
export const handleScim = (
  store: ScimStore,
  req: ScimRequest,
  options: { opsCase?: ScimOpsCase; now?: Date } = {},
): ScimReply => {
  const at = (options.now ?? new Date()).toISOString()
  const opsCase = options.opsCase ?? 'any'
  const [, kind, rawId, extra] = req.path.split('/')
  const id = rawId === undefined ? undefined : decodeURIComponent(rawId)
  if (extra !== undefined) return problem(404, 'no such resource')
  if (kind === 'ServiceProviderConfig' && req.method === 'GET' && id === undefined) return config()
  if (kind !== 'Users' && kind !== 'Groups') return problem(404, 'no such resource')
  const resources = kind === 'Users' ? store.users : store.groups
  const resourceType = kind === 'Users' ? 'User' : 'Group'
  const out = (r: Json) => shaped(kind === 'Users' ? userOut(store, r) : groupOut(r, true), req.query)

  if (id === undefined) {
    if (req.method === 'GET') {
      const filter = readFilter(req.query.get('filter'))
      if (!filter.ok) return problem(400, 'only `attribute eq "value"` filters', 'invalidFilter')
      const { match } = filter
      const allowed =
        kind === 'Users' ? ['userName', 'externalId', 'id'] : ['externalId', 'displayName', 'id']
      if (match && !allowed.includes(match.attr))
        return problem(400, `no filter on ${match.attr}`, 'invalidFilter')
      // userName and displayName compare case-insensitively, ids and externalId exactly (RFC 7643)
      const caseExact = match?.attr === 'externalId' || match?.attr === 'id'
      const found = [...resources.values()].filter(
        (r) =>
          !match || (caseExact ? r[match.attr] === match.value : fold(r[match.attr]) === fold(match.value)),
      )
      return list(found.map(out))
    }
    if (req.method !== 'POST') return problem(405, 'GET or POST')
    const body = clean(req.body)
    if (kind === 'Users') {
      if (typeof body.userName !== 'string' || body.userName.trim() === '')
        return problem(400, 'userName is required', 'invalidValue')
      if (taken(resources, 'userName', body.userName))
        return problem(409, `${body.userName} exists`, 'uniqueness')
    } else {
      if (typeof body.displayName !== 'string' || body.displayName.trim() === '')
        return problem(400, 'displayName is required', 'invalidValue')
      if (taken(resources, 'displayName', body.displayName))
        return problem(409, `a group is named ${body.displayName}`, 'uniqueness')
      if (body.externalId !== undefined && taken(resources, 'externalId', body.externalId))
        return problem(409, `a group has externalId ${body.externalId}`, 'uniqueness')
      const unknown = (body.members ?? []).find((m: Json) => !store.users.has(m?.value))
      if (unknown) return problem(400, 'members must be users of this service', 'invalidValue')
    }
    const created = stamp(store, { ...body, id: randomUUID() }, resourceType, at)
    resources.set(created.id, created)
    return withVersion({ status: 201, body: out(created), headers: { location: created.meta.location } })
  }

  const current = resources.get(id)
  if (!current) return problem(404, `no such ${resourceType.toLowerCase()}`)
  if (req.method === 'GET') return withVersion({ status: 200, body: out(current) })
  if (!matchesVersion(current, req.ifMatch)) return problem(412, 'changed meanwhile')
  if (req.method === 'DELETE') {
    resources.delete(id)
    if (kind === 'Users')
      for (const g of store.groups.values()) g.members = (g.members ?? []).filter((m: Json) => m.value !== id)
    return { status: 204 }
  }
  if (req.method === 'PUT') {
    const body = clean(req.body)
    const key = kind === 'Users' ? 'userName' : 'displayName'
    if (typeof body[key] !== 'string') return problem(400, `${key} is required`, 'invalidValue')
    if (taken(resources, key, body[key], id)) return problem(409, `${body[key]} exists`, 'uniqueness')
    const replaced = stamp(store, { ...body, id, meta: current.meta }, resourceType, at)
    resources.set(id, replaced)
    return withVersion({ status: 200, body: out(replaced) })
  }
  if (req.method !== 'PATCH') return problem(405, 'GET, PUT, PATCH or DELETE')
  const read = operationsOf(req.body, opsCase)
  if (read.error) return read.error
  const copy = structuredClone(current)
  if (kind === 'Users') {
    for (const op of read.ops) {
      if (applyUserOp(copy, op))
        return problem(400, 'an operation without a path needs an object', 'noTarget')
    }
    if (taken(resources, 'userName', copy.userName, id))
      return problem(409, `${copy.userName} exists`, 'uniqueness')
    resources.set(id, stamp(store, copy, resourceType, at))
    return withVersion({ status: 200, body: out(copy) })
  }
  const refused = applyGroupOps(store, copy, read.ops)
  if (refused) return refused
  resources.set(id, stamp(store, copy, resourceType, at))
  // as many servers do for a Group: no body (its members may be many), the new version in ETag
  return { status: 204, headers: { etag: copy.meta.version } }
}

/** A request in the log (and the log kept short). */
export const logScim = (store: ScimStore, entry: ScimStore['log'][number]) => {
  store.log.push(entry)
  if (store.log.length > KEPT_LOG) store.log.shift()
}
