import type { JsonObject } from './kit-json.js'
import {
  externalIdQuery,
  membersPatch,
  renamePatch,
  scimGroup,
  scimProblem,
  writable,
} from './scim-resources.js'
import { type Answer, type Conversation, idOf, ok, resourcesOf, Stop, versionOf } from './scim-wire.js'

export interface Dept {
  deptId: string
  name: string
}

/** A department's Group on the server, as this delivery last saw it. */
interface GroupRef {
  id: string
  deptId: string
  displayName?: string
  version?: string
}

/** A removal that is the last word on a membership Atrium cannot see (see `plan`). */
export interface MembershipPlan {
  add: Map<string, Set<string>>
  remove: Map<string, Set<string>>
  /** removals asked without knowing the user is there: a `noTarget` answer means done */
  blind: Set<string>
}

export const emptyPlan = (): MembershipPlan => ({ add: new Map(), remove: new Map(), blind: new Set() })

export const planAdd = (plan: MembershipPlan, groupId: string, userId: string) => {
  const set = plan.add.get(groupId) ?? new Set()
  set.add(userId)
  plan.add.set(groupId, set)
}

export const planRemove = (plan: MembershipPlan, groupId: string, userId: string, blind = false) => {
  const set = plan.remove.get(groupId) ?? new Set()
  set.add(userId)
  plan.remove.set(groupId, set)
  if (blind) plan.blind.add(groupId)
}

/** Remove ops in one PATCH: a server may cap a request's operations. */
const MAX_REMOVES_PER_PATCH = 100

const groupsPath = (id: string) => `/Groups/${encodeURIComponent(id)}`

/**
 * A department's name on a server that refused it as a duplicate (RFC 7644 lets a server keep
 * Group display names unique, and two departments in different places may share a name).
 */
export const distinctName = (dept: Dept) => `${dept.name} (${dept.deptId})`

/**
 * The tenant's departments as SCIM Groups on one server, for one delivery: each found by its
 * `externalId` (the department's id) before it is created, renamed by PATCH (PUT of the Group as
 * read when the server does not PATCH), deleted; members added and removed by PATCH only (never a
 * whole member list). What was found is kept for the delivery (looked up again at the next one:
 * nothing is stored in Atrium). `departmentIds` are the tenant's: a Group whose `externalId` is
 * not one of them is not Atrium's, and is never touched.
 */
export class Groups {
  private readonly byDept = new Map<string, GroupRef | undefined>()
  /** group id → its department, or undefined: not a department's Group */
  private readonly deptOfId = new Map<string, string | undefined>()
  readonly counts = { created: 0, renamed: 0, deleted: 0, added: 0, removed: 0 }

  constructor(
    private readonly c: Conversation,
    private readonly departmentIds: () => Promise<ReadonlySet<string>>,
  ) {}

  private remember(ref: GroupRef) {
    this.byDept.set(ref.deptId, ref)
    this.deptOfId.set(ref.id, ref.deptId)
    return ref
  }

  private refOf(resource: JsonObject, deptId: string, etag?: string): GroupRef | undefined {
    const id = idOf(resource)
    if (!id) return undefined
    return {
      id,
      deptId,
      displayName: typeof resource.displayName === 'string' ? resource.displayName : undefined,
      version: versionOf(resource, etag),
    }
  }

  /** The department's Group on the server, if any (`externalId eq "<deptId>"`). */
  async find(deptId: string, fresh = false): Promise<GroupRef | undefined> {
    if (!fresh && this.byDept.has(deptId)) return this.byDept.get(deptId)
    const answer = await this.c.call('GET', `/Groups?${externalIdQuery(deptId)}`)
    if (answer.status !== 200) this.c.fail(answer, 'group look-up')
    // a server that ignored the filter lists others too: only the department's own counts
    const match = resourcesOf(answer).find((r) => r.externalId === deptId)
    const ref = match && this.refOf(match, deptId)
    if (ref) return this.remember(ref)
    this.byDept.set(deptId, undefined)
    return undefined
  }

  /** The department's Group, created when absent, renamed when its name is not the department's. */
  async ensure(dept: Dept): Promise<GroupRef> {
    const found = await this.find(dept.deptId)
    if (!found) return this.create(dept)
    if (found.displayName !== dept.name && found.displayName !== distinctName(dept))
      return this.rename(found, dept)
    return found
  }

  private async create(dept: Dept): Promise<GroupRef> {
    for (const displayName of [dept.name, distinctName(dept)]) {
      const created = await this.c.call('POST', '/Groups', { ...scimGroup(dept), displayName })
      if (ok(created.status)) {
        this.counts.created++
        const ref = created.body && this.refOf(created.body, dept.deptId, created.etag)
        if (ref) return this.remember(ref)
        // created, but the answer did not say as what: look it up
        const again = await this.find(dept.deptId, true)
        if (again) return again
        throw new Stop({ ok: false, message: 'a group was created but cannot be found' })
      }
      if (created.status !== 409) this.c.fail(created, 'group create')
      // created meanwhile (found now), or the name is another Group's: the distinct name next
      const again = await this.find(dept.deptId, true)
      if (again) return this.ensure(dept)
    }
    throw new Stop({
      ok: false,
      code: 'uniqueness',
      httpStatus: 409,
      message: 'group create: HTTP 409 (the name is taken, with and without the department id)',
    })
  }

  /**
   * A Group renamed: PATCH replace displayName (with If-Match when the server keeps ETags), or the
   * Group as read PUT back with the new name when the server does not PATCH. A taken name becomes
   * the department's distinct name; a Group gone meanwhile is created again.
   */
  private async rename(ref: GroupRef, dept: Dept): Promise<GroupRef> {
    let current = ref
    let displayName = dept.name
    for (let attempt = 0; attempt < 3; attempt++) {
      const ifMatch = this.c.support.etag ? current.version : undefined
      let answer: Answer | undefined
      if (this.c.support.patch && !this.c.patchRefused) {
        answer = await this.c.call('PATCH', groupsPath(current.id), renamePatch(displayName), ifMatch)
        if (answer.status === 400 && scimProblem(400, answer.body).scimType !== 'uniqueness')
          answer = undefined
        else if (answer.status === 501) answer = undefined
        if (!answer) this.c.patchRefused = true
      }
      if (!answer) {
        // the whole Group as the server has it (members too: a PUT replaces), with the new name
        const read = await this.c.call('GET', groupsPath(current.id))
        if (read.status === 404) answer = read
        else if (read.status !== 200 || !read.body) this.c.fail(read, 'group read')
        else
          answer = await this.c.call(
            'PUT',
            groupsPath(current.id),
            writable(read.body, { displayName }),
            this.c.support.etag ? versionOf(read.body, read.etag) : undefined,
          )
      }
      if (ok(answer.status)) {
        this.counts.renamed++
        return this.remember({
          ...current,
          displayName,
          version: versionOf(answer.body, answer.etag),
        })
      }
      if (answer.status === 404) {
        this.byDept.delete(dept.deptId)
        return this.create(dept)
      }
      if (answer.status === 409 && displayName === dept.name) {
        displayName = distinctName(dept)
        continue
      }
      if (answer.status === 412 && attempt === 0) {
        const fresh = await this.find(dept.deptId, true)
        if (!fresh) return this.create(dept)
        current = fresh
        continue
      }
      this.c.fail(answer, 'group rename')
    }
    this.c.fail({ status: 409, body: undefined }, 'group rename')
  }

  /** The department's Group deleted (`DELETE /Groups/{id}`); none there, or 404, is done. */
  async remove(deptId: string): Promise<'deleted' | 'absent'> {
    let ref = await this.find(deptId)
    for (let attempt = 0; ref; attempt++) {
      const answer = await this.c.call(
        'DELETE',
        groupsPath(ref.id),
        undefined,
        this.c.support.etag ? ref.version : undefined,
      )
      if (ok(answer.status) || answer.status === 404) {
        this.byDept.set(deptId, undefined)
        if (ok(answer.status)) this.counts.deleted++
        return ok(answer.status) ? 'deleted' : 'absent'
      }
      if (answer.status === 412 && attempt === 0) {
        ref = await this.find(deptId, true)
        continue
      }
      this.c.fail(answer, 'group delete')
    }
    return 'absent'
  }

  /**
   * The department a Group on the server is the Group of, or undefined when it is not Atrium's (its
   * `externalId` names none of the tenant's departments) or no longer there.
   */
  async deptOf(groupId: string): Promise<string | undefined> {
    if (this.deptOfId.has(groupId)) return this.deptOfId.get(groupId)
    const answer = await this.c.call('GET', `${groupsPath(groupId)}?excludedAttributes=members`)
    if (answer.status === 404) {
      this.deptOfId.set(groupId, undefined)
      return undefined
    }
    if (answer.status !== 200 || !answer.body) this.c.fail(answer, 'group read')
    const externalId = answer.body.externalId
    const ours = typeof externalId === 'string' && (await this.departmentIds()).has(externalId)
    if (!ours) {
      this.deptOfId.set(groupId, undefined)
      return undefined
    }
    const ref = this.refOf(answer.body, externalId, answer.etag)
    if (ref && !this.byDept.get(externalId)) this.remember(ref)
    else this.deptOfId.set(groupId, externalId)
    return externalId
  }

  /**
   * The membership changes planned for the delivery, a PATCH per Group: one `add` of all its new
   * members, a `remove` per member it loses (100 to a PATCH). A server that does not PATCH cannot
   * take them (whole member lists are never PUT): the delivery fails saying so.
   */
  async apply(plan: MembershipPlan) {
    const groupIds = new Set([...plan.add.keys(), ...plan.remove.keys()])
    if (groupIds.size === 0) return
    if (!this.c.support.patch) {
      throw new Stop({
        ok: false,
        code: 'patch',
        message:
          'the server does not take PATCH: group members cannot be sent (never as whole lists); turn scimGroups off',
      })
    }
    for (const groupId of groupIds) {
      const adds = [...(plan.add.get(groupId) ?? [])]
      const removes = [...(plan.remove.get(groupId) ?? [])]
      for (let i = 0; i === 0 || i < removes.length; i += MAX_REMOVES_PER_PATCH) {
        await this.patchMembers(
          groupId,
          i === 0 ? adds : [],
          removes.slice(i, i + MAX_REMOVES_PER_PATCH),
          plan.blind.has(groupId),
        )
      }
      this.counts.added += adds.length
      this.counts.removed += removes.length
    }
  }

  private refById(groupId: string) {
    const deptId = this.deptOfId.get(groupId)
    return deptId === undefined ? undefined : this.byDept.get(deptId)
  }

  private async patchMembers(groupId: string, add: string[], remove: string[], blind: boolean) {
    if (add.length === 0 && remove.length === 0) return
    for (let attempt = 0; ; attempt++) {
      const ref = this.refById(groupId)
      const ifMatch = this.c.support.etag ? ref?.version : undefined
      const answer = await this.c.call('PATCH', groupsPath(groupId), membersPatch(add, remove), ifMatch)
      if (ok(answer.status)) {
        if (ref) ref.version = versionOf(answer.body, answer.etag)
        return
      }
      // gone meanwhile: nobody is left to remove; additions wait for the next sync of its department
      if (answer.status === 404 && add.length === 0) return
      // removals of members the server may not have had: it says there was nothing to remove
      if (
        answer.status === 400 &&
        blind &&
        add.length === 0 &&
        scimProblem(400, answer.body).scimType === 'noTarget'
      )
        return
      if (answer.status === 412 && attempt === 0) {
        const deptId = this.deptOfId.get(groupId)
        if (deptId !== undefined) await this.find(deptId, true)
        else if (ref) ref.version = undefined
        continue
      }
      this.c.fail(answer, 'group members')
    }
  }
}
