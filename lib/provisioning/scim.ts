import { appWithView } from '../apps/registry.js'
import { approvedFields } from '../apps/user-data.js'
import { outboundFetch } from '../core/http/outbound.js'
import { scopeOf, type TenantId } from '../core/tenancy.js'
import { findTenant } from '../tenants/queries.js'
import type { KitUser } from './kit-bodies.js'
import type { JsonObject } from './kit-json.js'
import type { Outcome, Send } from './pump.js'
import {
  deactivatePatch,
  safeDetail,
  scimProblem,
  scimUser,
  userNameQuery,
  userPatch,
  writable,
} from './scim-resources.js'
import { providerSecret } from './settings.js'
import { clearedFields, kitUsers } from './users.js'

/** The same 5 s a workbench provider gets. */
const CALL_TIMEOUT_MS = 5000

interface Answer {
  status: number
  body: JsonObject | undefined
}

/** What the server says it supports (RFC 7643 §5); without the document: PATCH yes, ETags no. */
interface Support {
  patch: boolean
  etag: boolean
}

/** A failure that ends the delivery (the pump retries it later, from the start). */
class Stop extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.message)
  }
}

/**
 * One SCIM conversation with a server, for one delivery: the bearer token, the content type it
 * accepts (`application/scim+json`, or `application/json` once it answered 415), and whether it
 * refused PATCH (then PUT, for the rest of the delivery).
 */
class Conversation {
  private contentType = 'application/scim+json'
  patchRefused = false
  support: Support = { patch: true, etag: false }
  /** what was sent of the members, masked in any detail the server echoes */
  readonly sent: string[] = []

  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  async call(method: string, path: string, body?: JsonObject, ifMatch?: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const res = await outboundFetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/scim+json, application/json',
          authorization: `Bearer ${this.token}`,
          ...(body ? { 'content-type': this.contentType } : {}),
          ...(ifMatch ? { 'if-match': ifMatch } : {}),
        },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      })
      if (res.status === 415 && body && attempt === 0 && this.contentType !== 'application/json') {
        this.contentType = 'application/json'
        continue
      }
      const text = await res.text()
      let parsed: unknown
      try {
        parsed = text ? JSON.parse(text) : undefined
      } catch {
        parsed = undefined
      }
      const obj =
        parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined
      return { status: res.status, body: obj }
    }
  }

  /** Ends the delivery with what the server said: its scimType (or status) and a masked detail. */
  fail(answer: Answer, doing: string): never {
    const problem = scimProblem(answer.status, answer.body)
    const detail = safeDetail(problem.detail, this.sent)
    throw new Stop({
      ok: false,
      httpStatus: answer.status,
      code: problem.scimType ?? problem.status,
      message: `${doing}: HTTP ${answer.status}${detail ? ` ${detail}` : ''}`,
    })
  }

  async discover() {
    const answer = await this.call('GET', '/ServiceProviderConfig')
    const flag = (name: string) => {
      const v = answer.body?.[name]
      return v && typeof v === 'object' && !Array.isArray(v) ? v.supported : undefined
    }
    if (answer.status !== 200 || !answer.body) return
    this.support = { patch: flag('patch') !== false, etag: flag('etag') === true }
  }
}

const ok = (status: number) => status >= 200 && status < 300
const idOf = (r: JsonObject | undefined) => (typeof r?.id === 'string' ? r.id : undefined)
const versionOf = (r: JsonObject | undefined) => {
  const meta = r?.meta
  return meta && typeof meta === 'object' && !Array.isArray(meta) && typeof meta.version === 'string'
    ? meta.version
    : undefined
}
const usersPath = (id: string) => `/Users/${encodeURIComponent(id)}`

/** The user of that userName on the server, if any (a filter on userName, RFC 7644 §3.4.2.2). */
const lookUp = async (c: Conversation, userName: string): Promise<JsonObject | undefined> => {
  const answer = await c.call('GET', `/Users?${userNameQuery(userName)}`)
  if (answer.status !== 200) c.fail(answer, 'look-up')
  const found = answer.body?.Resources
  const first = Array.isArray(found) ? found[0] : undefined
  return first && typeof first === 'object' && !Array.isArray(first) && idOf(first) ? first : undefined
}

/**
 * Changes a user the server holds: PATCH, unless the server does not do PATCH (its configuration
 * says so, or it answered 400 or 501 to one), then a full PUT; `If-Match` when it keeps ETags, and
 * on 412 the user is read again and the change tried once more. A user gone meanwhile is `gone`.
 */
const change = async (
  c: Conversation,
  current: JsonObject,
  patch: JsonObject,
  put: (current: JsonObject) => JsonObject,
): Promise<'done' | 'gone'> => {
  const id = idOf(current) ?? ''
  let resource = current
  for (let attempt = 0; ; attempt++) {
    const ifMatch = c.support.etag ? versionOf(resource) : undefined
    let answer: Answer | undefined
    if (c.support.patch && !c.patchRefused) {
      answer = await c.call('PATCH', usersPath(id), patch, ifMatch)
      if (answer.status === 400 || answer.status === 501) {
        c.patchRefused = true
        answer = undefined
      }
    }
    answer ??= await c.call('PUT', usersPath(id), put(resource), ifMatch)
    if (ok(answer.status)) return 'done'
    if (answer.status === 404) return 'gone'
    if (answer.status === 412 && attempt === 0) {
      const fresh = await c.call('GET', usersPath(id))
      if (fresh.status === 404) return 'gone'
      if (fresh.status !== 200 || !fresh.body) c.fail(fresh, 'read again')
      resource = fresh.body
      continue
    }
    c.fail(answer, 'update')
  }
}

/** A member the app may have: looked up, created when absent, else brought up to date. */
const provision = async (c: Conversation, user: KitUser) => {
  const resource = scimUser(user)
  for (let attempt = 0; attempt < 2; attempt++) {
    const current = await lookUp(c, user.userName)
    if (current) {
      const done = await change(c, current, userPatch(user), () => resource)
      if (done === 'done') return
      continue
    }
    const created = await c.call('POST', '/Users', resource)
    if (ok(created.status)) return
    // created meanwhile (or not found by the filter): look it up again and link to it
    if (created.status === 409 && attempt === 0) continue
    c.fail(created, 'create')
  }
  throw new Stop({ ok: false, message: 'the user could be neither found nor created' })
}

/** A member the app may no longer have: deactivated (never deleted); absent is as good. */
const deprovision = async (c: Conversation, user: KitUser) => {
  const current = await lookUp(c, user.userName)
  if (!current) return
  await change(c, current, deactivatePatch(), (fresh) => writable(fresh, { active: false }))
}

const NOT_SENT: Record<string, string> = {
  tenant: 'SCIM has no tenant: nothing to send',
  application: 'SCIM has no credentials to hand over: nothing to send',
  allOrg: 'departments are not sent to SCIM targets',
  org: 'departments are not sent to SCIM targets',
}

/**
 * SCIM 2.0 (RFC 7643 / 7644) to the server at the setting's base URL, with its bearer token. Only
 * members travel (Users); a delivery of many is one outcome, stopping at its first failure (the
 * pump retries the whole of it; every step is idempotent: a user is looked up before created).
 * 429 and 5xx are failures like any other, so the pump backs off and, in the end, parks.
 */
export const scimSend: Send = async (settings, batch): Promise<Outcome> => {
  if (batch.kind !== 'users') return { ok: true, message: NOT_SENT[batch.kind] ?? 'nothing to send' }
  const tenantId = settings.tenantId as TenantId
  const tenant = await findTenant(tenantId)
  if (!tenant) return { ok: true, message: 'nothing to send' }
  const flag = batch.flag ?? 1
  const adds = flag === 1 || flag === 2
  const found = adds ? await appWithView(scopeOf(tenantId), settings.appId).catch(() => undefined) : undefined
  const users = await kitUsers(tenantId, tenant.code, settings.appId, batch.memberIds, {
    entitledOnly: adds,
    // what the app asks for and may no longer have is removed (a withdrawn approval, as Q5)
    clear:
      flag === 2 && found
        ? clearedFields(found.view.requestedFields, approvedFields(found.app, found.view))
        : [],
  })
  if (users.length === 0) return { ok: true, message: 'nothing to send' }
  const token = await providerSecret(settings)
  if (!token) return { ok: false, message: 'the bearer token cannot be read (is the workbench active?)' }
  const c = new Conversation(settings.baseUrl, token)
  try {
    await c.discover()
    for (const user of users) {
      c.sent.push(
        ...[user.userName, user.name, user.email, user.mobile].filter((v): v is string => Boolean(v)),
      )
      await (adds ? provision(c, user) : deprovision(c, user))
    }
    return {
      ok: true,
      message: `${users.length} user${users.length === 1 ? '' : 's'} ${adds ? 'provisioned' : 'deactivated'}`,
    }
  } catch (err) {
    if (err instanceof Stop) return err.outcome
    throw err
  }
}
