import { $add, ConditionCheck, DeleteTransaction, PutTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import { getTenantApp, TenantAppEntity } from '../apps/tenant-apps.js'
import { nowIso } from '../core/clock.js'
import { mapLimit } from '../core/concurrency.js'
import { batchGet } from '../core/db/batch-get.js'
import { isTransactionConflict, type WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll, queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, MAX_TRANSACTION_ACTIONS, transaction } from '../core/db/transaction.js'
import type { TenantScope } from '../core/tenancy.js'
import { departmentParents, treeUnchanged } from '../directory/departments.js'
import { allGroupMemberIds, memberGroupIds } from '../directory/groups.js'
import { getMemberships, keptAppIds, membershipAbsent, membershipAppsWrite } from '../identity/accounts.js'
import { evaluate, type Placement, type Rule } from './policy.js'
import {
  EntitlementEntity,
  type EntitlementState,
  entitlementIndexKeys,
  GrantEntity,
  holdersPartition,
} from './records.js'

/**
 * Keeps the entitlement items equal to what the rules and the directory say, under concurrency:
 * every commit checks, in its own transaction, that what it was computed from is unchanged (the
 * app's rules version, each member's membership revision, the department tree's version), so a
 * result computed from a stale read never lands; a seat is taken only under the condition of the
 * app's seat counter, so a licensed app never has more holders than seats.
 */

export interface AppPolicy {
  appId: string
  rules: Rule[]
  /** the version of the rules read (0: never changed) */
  version: number
  /** a licensed app's seats (undefined: no limit) */
  seats?: number
  /** seats held, as the counter read */
  held: number
  /** false once the app is gone: nobody keeps it */
  exists: boolean
}

interface MemberFacts extends Placement {
  exists: boolean
  rev: number
  /** the entitled app ids the membership keeps (undefined: not kept) */
  apps?: ReadonlySet<string>
}

interface Standing {
  state: EntitlementState
  since: string
}

export interface Inputs {
  policies: Map<string, AppPolicy>
  parentOf: ReadonlyMap<string, string>
  treeVersion: number
  members: Map<string, MemberFacts>
  standings: Map<string, Standing>
}

export interface Transition {
  memberId: string
  appId: string
  from?: EntitlementState
  to?: EntitlementState
  /** kept on a repair (from = to): the standing's own date, so nobody's place in a queue moves */
  since?: string
}

const pairKey = (memberId: string, appId: string) => `${memberId}#${appId}`

export const ruleOf = (g: Rule): Rule => ({
  grantId: g.grantId,
  effect: g.effect,
  subjectType: g.subjectType,
  subjectId: g.subjectId,
  includeSubDepartments: g.includeSubDepartments,
})

export const loadGrants = ({ tenantId }: TenantScope, appId: string) =>
  queryAll(GrantEntity, { partition: tenantPartition(tenantId), prefix: `GRANT#${appId}#`, consistent: true })

/** An app's rules and seats; rules already read consistently in this attempt may be passed in. */
export const loadPolicy = async (scope: TenantScope, appId: string, rules?: Rule[]): Promise<AppPolicy> => {
  const [app, grants] = await Promise.all([
    getTenantApp(scope.tenantId, appId),
    rules ?? loadGrants(scope, appId),
  ])
  return {
    appId,
    rules: grants.map(ruleOf),
    version: app?.grantsVersion ?? 0,
    seats: app?.seats,
    held: app?.seatsHeld ?? 0,
    exists: app !== undefined,
  }
}

/**
 * The members' places: departments and revision from their memberships; groups only for the
 * groups some rule names, read from whichever side is smaller (each member's groups, or each
 * named group's members).
 */
export const loadMembers = async (scope: TenantScope, memberIds: string[], groupIds: ReadonlySet<string>) => {
  const memberships = new Map(
    (await getMemberships('tenant', scope.tenantId, memberIds)).map((m) => [m.accountId, m]),
  )
  const groupsOf = new Map<string, Set<string>>(memberIds.map((id) => [id, new Set()]))
  if (groupIds.size > 0 && memberIds.length <= groupIds.size) {
    await mapLimit(memberIds, 8, async (id) => {
      for (const g of await memberGroupIds(scope, id)) if (groupIds.has(g)) groupsOf.get(id)?.add(g)
    })
  } else if (groupIds.size > 0) {
    await mapLimit([...groupIds], 8, async (g) => {
      for (const id of await allGroupMemberIds(scope, g)) groupsOf.get(id)?.add(g)
    })
  }
  return new Map(
    memberIds.map((id): [string, MemberFacts] => {
      const m = memberships.get(id)
      const kept = keptAppIds(m)
      return [
        id,
        {
          memberId: id,
          departmentIds: m?.departmentIds ?? [],
          groupIds: groupsOf.get(id) ?? new Set(),
          exists: m !== undefined,
          rev: m?.rev ?? 0,
          apps: kept && new Set(kept),
        },
      ]
    }),
  )
}

/** Everything the members' standing with the apps follows from, read consistently. */
export const loadInputs = async (
  scope: TenantScope,
  policies: AppPolicy[],
  memberIds: string[],
): Promise<Inputs> => {
  const groupIds = new Set(
    policies.flatMap((p) => p.rules.filter((r) => r.subjectType === 'group').map((r) => r.subjectId)),
  )
  const keys = memberIds.flatMap((memberId) =>
    policies.map((p) => ({ tenantId: scope.tenantId, memberId, appId: p.appId })),
  )
  const [tree, members, items] = await Promise.all([
    departmentParents(scope),
    loadMembers(scope, memberIds, groupIds),
    batchGet(EntitlementEntity, keys, { consistent: true }),
  ])
  const standings = new Map<string, Standing>()
  for (const i of items)
    if (i) standings.set(pairKey(i.memberId, i.appId), { state: i.state, since: i.since })
  return {
    policies: new Map(policies.map((p) => [p.appId, p])),
    parentOf: tree.parentOf,
    treeVersion: tree.version,
    members,
    standings,
  }
}

/**
 * Who should hold what, from the inputs: allowed members hold the app. A licensed app's seats go
 * to those who hold one already, then to those waiting longest, then to newcomers in the order
 * given; when the seats fell below the holders (a smaller licence), the latest seated wait again.
 */
export const plan = (inputs: Inputs, memberIds: string[]): Transition[] => {
  const transitions: Transition[] = []
  for (const policy of inputs.policies.values()) {
    const wanting: { memberId: string; from?: EntitlementState; since?: string }[] = []
    const keeping: { memberId: string; since: string }[] = []
    let free = policy.seats === undefined ? Number.POSITIVE_INFINITY : policy.seats - policy.held
    for (const memberId of memberIds) {
      const member = inputs.members.get(memberId)
      const standing = inputs.standings.get(pairKey(memberId, policy.appId))
      const allowed =
        policy.exists && member?.exists === true && evaluate(policy.rules, member, inputs.parentOf).allowed
      if (!allowed) {
        if (standing) transitions.push({ memberId, appId: policy.appId, from: standing.state })
        if (standing?.state === 'entitled') free++
      } else if (standing?.state === 'entitled') {
        keeping.push({ memberId, since: standing.since })
      } else {
        wanting.push({ memberId, from: standing?.state, since: standing?.since })
      }
    }
    keeping.sort((a, b) => b.since.localeCompare(a.since))
    for (const k of keeping) {
      if (free >= 0) break
      transitions.push({ memberId: k.memberId, appId: policy.appId, from: 'entitled', to: 'waiting' })
      free++
    }
    const queue = [
      ...wanting
        .filter((w) => w.from === 'waiting')
        .sort((a, b) => (a.since ?? '').localeCompare(b.since ?? '')),
      ...wanting.filter((w) => w.from === undefined),
    ]
    for (const w of queue) {
      const to: EntitlementState = free > 0 ? 'entitled' : 'waiting'
      if (to === 'entitled') free--
      if (to !== w.from) transitions.push({ memberId: w.memberId, appId: policy.appId, from: w.from, to })
    }
    transitions.push(...repairs(inputs, policy.appId, memberIds, transitions))
  }
  return transitions
}

/**
 * A membership whose app map disagrees with a standing that does not change (a member removed and
 * added again before the stream cleared their old entitlements): the standing is written again as
 * it is, under its own condition, so the commit sets the map from it.
 */
const repairs = (inputs: Inputs, appId: string, memberIds: string[], planned: Transition[]) => {
  const moving = new Set(planned.filter((t) => t.appId === appId).map((t) => t.memberId))
  return memberIds.flatMap((memberId): Transition[] => {
    const kept = inputs.members.get(memberId)?.apps
    const standing = inputs.standings.get(pairKey(memberId, appId))
    if (!kept || moving.has(memberId) || kept.has(appId) === (standing?.state === 'entitled')) return []
    return [{ memberId, appId, from: standing?.state, to: standing?.state, since: standing?.since }]
  })
}

/** Seats a set of transitions takes (+) or frees (-) on an app. */
export const seatDelta = (transitions: readonly Transition[], appId: string) =>
  transitions.reduce(
    (n, t) => (t.appId !== appId ? n : n + (t.to === 'entitled' ? 1 : 0) - (t.from === 'entitled' ? 1 : 0)),
    0,
  )

const entitlementWrite = (tenantId: string, t: Transition, at: string): WriteItem => {
  const key = { tenantId, memberId: t.memberId, appId: t.appId }
  const was = t.from === undefined ? { attr: 'state', exists: false } : { attr: 'state', eq: t.from }
  const since = t.since ?? at
  return t.to === undefined
    ? EntitlementEntity.build(DeleteTransaction)
        .key(key)
        .options({ condition: was as never })
    : EntitlementEntity.build(PutTransaction)
        .item({
          ...key,
          state: t.to,
          since,
          ...entitlementIndexKeys(tenantId, t.appId, t.memberId, t.to, since),
        })
        .options({ condition: was as never })
}

/** What a commit does to an app's item besides checking its rules are the ones read. */
export interface AppChange {
  /** the rules change in this commit */
  bump?: boolean
  /** seats taken (+) or freed (-) */
  delta: number
  /** seats that must be free for the commit (the whole of a grant, not only this commit's part) */
  needs?: number
}

const appWrite = (tenantId: string, policy: AppPolicy, change: AppChange): WriteItem => {
  const key = { tenantId, appCode: policy.appId }
  const conditions: object[] = [
    policy.exists ? { attr: 'appCode', exists: true } : { attr: 'appCode', exists: false },
    policy.version === 0
      ? { attr: 'grantsVersion', exists: false }
      : { attr: 'grantsVersion', eq: policy.version },
  ]
  const needs = Math.max(change.needs ?? 0, change.delta)
  if (needs > 0 && policy.seats !== undefined) {
    conditions.push({
      or: [
        { attr: 'seatsHeld', exists: false },
        { attr: 'seatsHeld', lte: policy.seats - needs },
      ],
    })
  }
  const condition = { and: conditions } as never
  const countsSeats = change.delta !== 0 && policy.seats !== undefined
  // an update would create the item: an app that is gone is only checked to be gone
  if (!policy.exists || (!change.bump && !countsSeats)) {
    return TenantAppEntity.build(ConditionCheck).key(key).condition(condition)
  }
  return TenantAppEntity.build(UpdateTransaction)
    .item({
      ...key,
      ...(change.bump ? { grantsVersion: $add(1) } : {}),
      ...(countsSeats ? { seatsHeld: $add(change.delta) } : {}),
    } as never)
    .options({ condition })
}

/** Writes that go with the first commit, all or nothing (a grant's own items and audit). */
export interface Lead {
  writes: WriteItem[]
  apps: Map<string, Omit<AppChange, 'delta'>>
  /** members that must still be there, as read (a rule's own subjects) */
  members: string[]
}

/**
 * Splits transitions into commits that each fit a transaction: one member's transitions stay
 * together (with the check of their membership), and each commit checks the apps and the tree.
 */
const pack = (transitions: Transition[], appCount: number, leadSize: number) => {
  const byMember = new Map<string, Transition[]>()
  for (const t of transitions) byMember.set(t.memberId, [...(byMember.get(t.memberId) ?? []), t])
  const chunks: Transition[][] = [[]]
  let size = leadSize + appCount + 1
  for (const group of byMember.values()) {
    const cost = group.length + 1
    const current = chunks[chunks.length - 1] as Transition[]
    if (current.length > 0 && size + cost > MAX_TRANSACTION_ACTIONS) {
      chunks.push([...group])
      size = appCount + 1 + cost
    } else {
      current.push(...group)
      size += cost
    }
  }
  return chunks
}

/** One commit: the transitions, their members' checks, every app read and the tree. */
const commit = async (scope: TenantScope, inputs: Inputs, transitions: Transition[], lead?: Lead) => {
  const at = nowIso()
  const members = [...new Set([...(lead?.members ?? []), ...transitions.map((t) => t.memberId)])]
  const apps = [...inputs.policies.values()].filter(
    (p) => lead?.apps.has(p.appId) || transitions.some((t) => t.appId === p.appId),
  )
  const key = (accountId: string) => ({ realm: 'tenant' as const, ctx: scope.tenantId, accountId })
  await transaction()
    .add('lead', ...(lead?.writes ?? []))
    .add(
      'apps',
      ...apps.map((p) =>
        appWrite(scope.tenantId, p, { ...lead?.apps.get(p.appId), delta: seatDelta(transitions, p.appId) }),
      ),
    )
    .add('tree', treeUnchanged(scope, inputs.treeVersion))
    .add(
      'members',
      ...members.map((id) => {
        const m = inputs.members.get(id)
        if (!m?.exists) return membershipAbsent(key(id))
        // every entitlement written sets its app on the map (absolute, not relative to the map read)
        const apps = new Map(
          transitions.filter((t) => t.memberId === id).map((t) => [t.appId, t.to === 'entitled'] as const),
        )
        return membershipAppsWrite(key(id), { rev: m.rev }, m.apps !== undefined, apps)
      }),
    )
    .add('entitlements', ...transitions.map((t) => entitlementWrite(scope.tenantId, t, at)))
    .run()
}

export const MAX_ATTEMPTS = 12

/** A commit lost to a concurrent change: read again and retry, after a short, jittered pause. */
export const retryable = (err: unknown) => err instanceof ConditionsFailed || isTransactionConflict(err)
export const pause = (attempt: number) =>
  new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * Math.min(attempt + 1, 8)))

/** Every rule of the tenant, by app (a member's change may concern any app). */
export const loadAllRules = async ({ tenantId }: TenantScope) => {
  const byApp = new Map<string, Rule[]>()
  const grants = await queryAll(GrantEntity, {
    partition: tenantPartition(tenantId),
    prefix: 'GRANT#',
    consistent: true,
  })
  for (const g of grants) byApp.set(g.appId, [...(byApp.get(g.appId) ?? []), ruleOf(g)])
  return byApp
}

/** A plan computed from one read: its commits, in order, each checking what it was computed from. */
export interface Planned {
  inputs: Inputs
  chunks: Transition[][]
}

const readAndPlan = async (
  scope: TenantScope,
  appIds: string[],
  memberIds: string[],
  rulesByApp?: ReadonlyMap<string, Rule[]>,
): Promise<Planned> => {
  const policies = await mapLimit(appIds, 16, (a) => loadPolicy(scope, a, rulesByApp?.get(a)))
  const inputs = await loadInputs(scope, policies, memberIds)
  return { inputs, chunks: pack(plan(inputs, memberIds), policies.length, 0) }
}

/**
 * Brings the members' standing with the apps in line with the rules and the directory, a commit
 * at a time; a commit that lost to a concurrent change is read and computed again. A plan already
 * made (the rest of a rules change) is committed first without reading anything again: its commits
 * check what it was computed from all the same. Returns the apps on which seats were freed (their
 * waiting members may now get one).
 */
export const reconcile = async (
  scope: TenantScope,
  appIds: string[],
  memberIds: string[],
  options: { rulesByApp?: ReadonlyMap<string, Rule[]>; planned?: Planned } = {},
) => {
  const freed = new Set<string>()
  let pending = [...new Set(memberIds)]
  for (let attempt = 0; pending.length > 0; attempt++) {
    // what the caller read or planned serves the first attempt; a retry reads everything again
    const { inputs, chunks } =
      attempt === 0 && options.planned
        ? options.planned
        : await readAndPlan(scope, appIds, pending, attempt === 0 ? options.rulesByApp : undefined)
    const done = new Set<string>()
    try {
      for (const chunk of chunks) {
        await commit(scope, inputs, chunk)
        for (const appId of inputs.policies.keys()) if (seatDelta(chunk, appId) < 0) freed.add(appId)
        for (const t of chunk) done.add(t.memberId)
      }
      pending = []
    } catch (err) {
      if (!retryable(err) || attempt >= MAX_ATTEMPTS) throw err
      pending = pending.filter((id) => !done.has(id))
      await pause(attempt)
    }
  }
  return freed
}

/**
 * Commits a change of rules with the first share of what it does, all or nothing: the lead writes,
 * the app's rules version, the seats the whole change needs. Returns the rest of the plan, to commit
 * right after against the rules version this commit raised (reconcile with `planned`). Throws
 * ConditionsFailed (retry) when something read changed meanwhile.
 */
export const commitLead = async (
  scope: TenantScope,
  inputs: Inputs,
  transitions: Transition[],
  lead: Lead,
): Promise<Planned> => {
  const [first = [], ...later] = pack(
    transitions,
    inputs.policies.size,
    lead.writes.length + lead.members.length,
  )
  await commit(scope, inputs, first, lead)
  const policies = new Map(inputs.policies)
  for (const [appId, change] of lead.apps) {
    const p = policies.get(appId)
    if (change.bump && p?.exists) policies.set(appId, { ...p, version: p.version + 1 })
  }
  return { inputs: { ...inputs, policies }, chunks: later }
}

/** Members waiting for a seat of the app, longest first. */
export const waitingMembers = async ({ tenantId }: TenantScope, appId: string, limit: number) =>
  (
    await queryPage(EntitlementEntity, {
      index: 'GSI1',
      partition: holdersPartition(tenantId, appId),
      prefix: 'W#',
      limit,
    })
  ).items.map((i) => i.memberId)

/** Holders of the app, latest seated first. */
const latestHolders = async ({ tenantId }: TenantScope, appId: string, limit: number) =>
  (
    await queryPage(EntitlementEntity, {
      index: 'GSI1',
      partition: holdersPartition(tenantId, appId),
      prefix: 'E#',
      limit,
      reverse: true,
    })
  ).items.map((i) => i.memberId)

/**
 * Seats follow the licence: free ones go to those waiting longest; when a licence shrank below its
 * holders, the latest seated wait again. Repeats until the counter and the seats agree.
 */
export const settleSeats = async (scope: TenantScope, appIds: Iterable<string>) => {
  for (const appId of appIds) {
    let last = ''
    for (let round = 0; round < 100; round++) {
      const policy = await loadPolicy(scope, appId)
      if (policy.seats === undefined) break
      const free = policy.seats - policy.held
      const members =
        free > 0
          ? await waitingMembers(scope, appId, Math.min(free, 100))
          : free < 0
            ? await latestHolders(scope, appId, Math.min(-free, 100))
            : []
      // the index lags the table: the same answer twice means nothing more to do now
      const seen = `${policy.held}:${members.join(',')}`
      if (members.length === 0 || seen === last) break
      last = seen
      await reconcile(scope, [appId], members)
    }
  }
}

/**
 * After a member's place changed (departments, groups, removal): their standing with every app a
 * rule of the tenant lets them use, or that they hold now, is computed again.
 */
export const reconcileMembers = async (scope: TenantScope, memberIds: string[]) => {
  const ids = [...new Set(memberIds)]
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100)
    const rulesByApp = await loadAllRules(scope)
    const groupIds = new Set(
      [...rulesByApp.values()].flat().flatMap((r) => (r.subjectType === 'group' ? [r.subjectId] : [])),
    )
    const [members, tree, held] = await Promise.all([
      loadMembers(scope, chunk, groupIds),
      departmentParents(scope),
      mapLimit(chunk, 8, (memberId) =>
        queryAll(EntitlementEntity, {
          partition: tenantPartition(scope.tenantId),
          prefix: `ENT#${memberId}#`,
          consistent: true,
        }),
      ),
    ])
    const apps = new Set(held.flat().map((e) => e.appId))
    for (const [appId, rules] of rulesByApp) {
      if ([...members.values()].some((m) => m.exists && evaluate(rules, m, tree.parentOf).allowed))
        apps.add(appId)
    }
    await settleSeats(scope, await reconcile(scope, [...apps], chunk, { rulesByApp }))
  }
}
