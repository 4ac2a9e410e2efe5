import { appWithView } from '../apps/registry.js'
import { approvedFields } from '../apps/user-data.js'
import { scopeOf, type TenantId } from '../core/tenancy.js'
import { type Department, departmentParents, departmentTree } from '../directory/departments.js'
import { findTenant } from '../tenants/queries.js'
import type { KitUser } from './kit-bodies.js'
import type { JsonObject } from './kit-json.js'
import type { Batch, Outcome, Send, Settings } from './pump.js'
import { emptyPlan, Groups, type MembershipPlan, planAdd, planRemove } from './scim-groups.js'
import {
  deactivatePatch,
  groupIdsOf,
  type OpsCase,
  scimUser,
  userNameQuery,
  userPatch,
  writable,
} from './scim-resources.js'
import { type Answer, Conversation, idOf, ok, Stop, versionOf } from './scim-wire.js'
import { providerSecret } from './settings.js'
import { clearedFields, type SentMember, sentMembers } from './users.js'

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

/** Where a user stands on the server: its id, and the resource the look-up found (none: created now). */
interface Placed {
  id: string | undefined
  found: JsonObject | undefined
}

/** A member the app may have: looked up, created when absent, else brought up to date. */
const provision = async (c: Conversation, user: KitUser): Promise<Placed> => {
  const resource = scimUser(user)
  for (let attempt = 0; attempt < 2; attempt++) {
    const current = await lookUp(c, user.userName)
    if (current) {
      const done = await change(c, current, userPatch(user), () => resource)
      if (done === 'done') return { id: idOf(current), found: current }
      continue
    }
    const created = await c.call('POST', '/Users', resource)
    if (ok(created.status)) return { id: idOf(created.body), found: undefined }
    // created meanwhile (or not found by the filter): look it up again and link to it
    if (created.status === 409 && attempt === 0) continue
    c.fail(created, 'create')
  }
  throw new Stop({ ok: false, message: 'the user could be neither found nor created' })
}

/** A member the app may no longer have: deactivated (never deleted); absent is as good. */
const deprovision = async (c: Conversation, user: KitUser): Promise<JsonObject | undefined> => {
  const current = await lookUp(c, user.userName)
  if (!current) return undefined
  const done = await change(c, current, deactivatePatch(), (fresh) => writable(fresh, { active: false }))
  return done === 'done' ? current : undefined
}

/**
 * The Groups the server has a user in: the `groups` of the resource the look-up returned, else
 * of the user read alone (`attributes=groups`: some servers leave it out of lists); undefined
 * when the server does not say (it keeps no `groups`, or leaves an empty one out).
 */
const groupsOfUser = async (c: Conversation, placed: Placed): Promise<string[] | undefined> => {
  if (!placed.id) return undefined
  if (!placed.found) return [] // created just now: in no Group yet
  const listed = groupIdsOf(placed.found)
  if (listed) return listed
  const answer = await c.call('GET', `${usersPath(placed.id)}?attributes=groups`)
  if (answer.status === 404) return []
  if (answer.status === 429 || answer.status >= 500) c.fail(answer, 'read groups')
  return answer.status === 200 ? groupIdsOf(answer.body) : undefined
}

/**
 * Memberships, once the users of a delivery are placed: each added or changed user belongs in the
 * Group of each department the app may know them in (created when absent) and in no other
 * department's Group; a revoked user in none. Which Groups the server has them in is asked of the
 * server (`groupsOfUser`); only Groups of the tenant's departments are ever touched. A server that
 * does not say gets the additions, and for a revoked user the removals from their departments'
 * Groups (a `noTarget` answer: nothing was there). One PATCH per Group for the whole delivery.
 */
const placeInGroups = async (
  groups: Groups,
  placed: { member: SentMember; id: string; current: string[] | undefined }[],
  adds: boolean,
  departmentNames: Record<string, string>,
) => {
  const plan: MembershipPlan = emptyPlan()
  for (const { member, id, current } of placed) {
    // a department gone since the member's record was read has no Group to be in
    const departments = member.departments.filter((d) => departmentNames[d.deptId] !== undefined)
    const desired = new Set<string>()
    if (adds) {
      for (const dept of departments) {
        const ref = await groups.ensure({
          deptId: dept.deptId,
          name: departmentNames[dept.deptId] ?? dept.name,
        })
        desired.add(ref.id)
        if (!current?.includes(ref.id)) planAdd(plan, ref.id, id)
      }
    } else if (!current) {
      for (const dept of departments) {
        const ref = await groups.find(dept.deptId)
        if (ref) planRemove(plan, ref.id, id, true)
      }
    }
    for (const groupId of current ?? []) {
      if (!desired.has(groupId) && (await groups.deptOf(groupId)) !== undefined) planRemove(plan, groupId, id)
    }
  }
  await groups.apply(plan)
}

const flatten = (tree: Department[]): { deptId: string; name: string }[] =>
  tree.flatMap((d) => [{ deptId: d.deptId, name: d.name }, ...flatten(d.children)])

const NOT_SENT: Record<string, string> = {
  tenant: 'SCIM has no tenant: nothing to send',
  application: 'SCIM has no credentials to hand over: nothing to send',
  allOrg: 'departments are not sent to this SCIM target (scimGroups is off)',
  org: 'departments are not sent to this SCIM target (scimGroups is off)',
}

const conversation = async (settings: Settings) => {
  const token = await providerSecret(settings)
  if (!token) return undefined
  return new Conversation(settings.baseUrl, token, {
    opsCase: (settings.scimOpsCase as OpsCase | undefined) ?? 'lower',
  })
}
const NO_TOKEN: Outcome = { ok: false, message: 'the bearer token cannot be read (is the workbench active?)' }

const counted = (groups: Groups) => {
  const { created, renamed, deleted, added, removed } = groups.counts
  const parts = [
    created && `${created} created`,
    renamed && `${renamed} renamed`,
    deleted && `${deleted} deleted`,
    added && `${added} member${added === 1 ? '' : 's'} added`,
    removed && `${removed} removed`,
  ].filter(Boolean)
  return parts.length > 0 ? `groups: ${parts.join(', ')}` : 'groups unchanged'
}

/** A department (org) or all of them (allOrg) as Groups: created, renamed, deleted. */
const sendDepartments = async (settings: Settings, batch: Batch): Promise<Outcome> => {
  const tenantId = settings.tenantId as TenantId
  const scope = scopeOf(tenantId)
  const depts =
    batch.kind === 'allOrg'
      ? flatten(await departmentTree(scope))
      : batch.dept
        ? [{ deptId: batch.dept.deptId, name: batch.dept.name }]
        : []
  if (depts.length === 0) return { ok: true, message: 'no departments' }
  const c = await conversation(settings)
  if (!c) return NO_TOKEN
  const groups = new Groups(c, async () => new Set((await departmentParents(scope)).nameOf.keys()))
  await c.discover()
  for (const dept of depts) {
    if (batch.kind === 'org' && batch.flag === 0) await groups.remove(dept.deptId)
    else await groups.ensure(dept)
  }
  return { ok: true, message: counted(groups) }
}

/** Members as Users (and, with scimGroups, their memberships). */
const sendUsers = async (settings: Settings, batch: Batch): Promise<Outcome> => {
  const tenantId = settings.tenantId as TenantId
  const tenant = await findTenant(tenantId)
  if (!tenant) return { ok: true, message: 'nothing to send' }
  const flag = batch.flag ?? 1
  const adds = flag === 1 || flag === 2
  const found = adds ? await appWithView(scopeOf(tenantId), settings.appId).catch(() => undefined) : undefined
  const { members, departmentNames } = await sentMembers(
    tenantId,
    tenant.code,
    settings.appId,
    batch.memberIds,
    {
      entitledOnly: adds,
      // what the app asks for and may no longer have is removed (a withdrawn approval, as Q5)
      clear:
        flag === 2 && found
          ? clearedFields(found.view.requestedFields, approvedFields(found.app, found.view))
          : [],
    },
  )
  if (members.length === 0) return { ok: true, message: 'nothing to send' }
  const c = await conversation(settings)
  if (!c) return NO_TOKEN
  const withGroups = settings.scimGroups === true
  const placed: { member: SentMember; id: string; current: string[] | undefined }[] = []
  await c.discover()
  for (const member of members) {
    const { user } = member
    c.sent.push(...[user.userName, user.name, user.email, user.mobile].filter((v): v is string => Boolean(v)))
    const where: Placed = adds
      ? await provision(c, user)
      : await deprovision(c, user).then((r) => ({ id: idOf(r), found: r }))
    if (withGroups && where.id) placed.push({ member, id: where.id, current: await groupsOfUser(c, where) })
  }
  const users = `${members.length} user${members.length === 1 ? '' : 's'} ${adds ? 'provisioned' : 'deactivated'}`
  if (!withGroups) return { ok: true, message: users }
  const groups = new Groups(c, async () => new Set(Object.keys(departmentNames)))
  await placeInGroups(groups, placed, adds, departmentNames)
  return { ok: true, message: `${users}; ${counted(groups)}` }
}

/**
 * SCIM 2.0 (RFC 7643 / 7644) to the server at the setting's base URL, with its bearer token:
 * members as Users, and, when the setting's `scimGroups` asks for them, departments as Groups with
 * the members in them. A delivery of many is one outcome, stopping at its first failure (the pump
 * retries the whole of it; every step is idempotent: a resource is looked up before created). A
 * 429 or 503 with a short `Retry-After` is waited out; otherwise it and other 5xx are failures
 * the pump backs off from (no earlier than `Retry-After` asked) and, in the end, parks.
 */
export const scimSend: Send = async (settings, batch): Promise<Outcome> => {
  try {
    if (batch.kind === 'users') return await sendUsers(settings, batch)
    if ((batch.kind === 'allOrg' || batch.kind === 'org') && settings.scimGroups === true)
      return await sendDepartments(settings, batch)
    return { ok: true, message: NOT_SENT[batch.kind] ?? 'nothing to send' }
  } catch (err) {
    if (err instanceof Stop) return err.outcome
    throw err
  }
}
