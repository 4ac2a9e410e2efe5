import { DeleteTransaction, PutTransaction } from 'dynamodb-toolbox'
import { getTenantApp } from '../apps/tenant-apps.js'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import type { WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { ConditionsFailed } from '../core/db/transaction.js'
import { AppError, type FieldIssue, notFound } from '../core/errors.js'
import { log } from '../core/log.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import {
  departmentExists,
  departmentMemberIds,
  departmentParents,
  subtreeFrom,
} from '../directory/departments.js'
import { allGroupMemberIds, getGroups, groupExists } from '../directory/groups.js'
import { assertOutranks, tenantCipher, toMember } from '../directory/members.js'
import { getMemberships } from '../identity/accounts.js'
import { grantIdOf, type Rule } from './policy.js'
import {
  commitLead,
  type Inputs,
  loadInputs,
  loadPolicy,
  MAX_ATTEMPTS,
  type Planned,
  pause,
  plan,
  reconcile,
  retryable,
  seatDelta,
  settleSeats,
  type Transition,
} from './reconcile.js'
import { GrantEntity, grantIndexKeys } from './records.js'
import type { GrantInput, GrantView } from './schemas.js'

/** The app exists for the tenant (an expired licence still has its rules, kept for renewal). */
export const requireApp = async (scope: TenantScope, appId: string) => {
  const app = await getTenantApp(scope.tenantId, appId)
  if (!app || app.status === 'released') throw notFound('app')
  return app
}

const rulesOf = (input: GrantInput): (Rule & { path: string })[] => {
  const rule = (
    effect: Rule['effect'],
    subjectType: Rule['subjectType'],
    subjectId: string,
    includeSubDepartments: boolean,
    path: string,
  ) => ({
    grantId: grantIdOf(effect, subjectType, subjectId),
    effect,
    subjectType,
    subjectId,
    includeSubDepartments,
    path,
  })
  const all = [
    ...input.members.map((id, i) => rule('allow', 'member', id, false, `body.members.${i}`)),
    ...input.departments.map((d, i) =>
      rule('allow', 'department', d.id, d.includeSubDepartments, `body.departments.${i}.id`),
    ),
    ...input.groups.map((id, i) => rule('allow', 'group', id, false, `body.groups.${i}`)),
    ...input.deny.members.map((id, i) => rule('deny', 'member', id, false, `body.deny.members.${i}`)),
    ...input.deny.departments.map((d, i) =>
      rule('deny', 'department', d.id, d.includeSubDepartments, `body.deny.departments.${i}.id`),
    ),
  ]
  // the same subject twice in a list: the last one says what it is
  return [...new Map(all.map((r) => [r.grantId, r])).values()]
}

/** Every subject must be this tenant's; a member denied must not hold more than the caller. */
const checkSubjects = async (ctx: TenantContext, rules: (Rule & { path: string })[]) => {
  const ids = (type: Rule['subjectType']) => [
    ...new Set(rules.filter((r) => r.subjectType === type).map((r) => r.subjectId)),
  ]
  const [members, tree, groups] = await Promise.all([
    getMemberships('tenant', ctx.tenantId, ids('member')),
    departmentParents(ctx),
    getGroups(ctx, ids('group')),
  ])
  const known = new Set([
    ...members.map((m) => m.accountId),
    ...tree.parentOf.keys(),
    ...groups.map((g) => g.groupId),
  ])
  const issues: FieldIssue[] = rules
    .filter((r) => !known.has(r.subjectId))
    .map((r) => ({ path: r.path, message: `unknown ${r.subjectType}` }))
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', 'unknown members, departments or groups', issues)
  const denied = new Set(
    rules.filter((r) => r.effect === 'deny' && r.subjectType === 'member').map((r) => r.subjectId),
  )
  for (const m of members) if (denied.has(m.accountId)) await assertOutranks(ctx, m, { self: true })
  return tree
}

/** The members a rule reaches, read after whatever was committed before. */
export const reachOf = async (scope: TenantScope, rules: readonly Rule[]) => {
  const { parentOf } = await departmentParents(scope)
  const subtrees = subtreeFrom(parentOf)
  const departments = rules
    .filter((r) => r.subjectType === 'department' && parentOf.has(r.subjectId))
    .flatMap((r) => (r.includeSubDepartments ? subtrees([r.subjectId]) : [r.subjectId]))
  const groups = rules.filter((r) => r.subjectType === 'group')
  const [inDepartments, inGroups] = await Promise.all([
    departmentMemberIds(scope, departments),
    Promise.all(groups.map((r) => allGroupMemberIds(scope, r.subjectId))),
  ])
  return [
    ...new Set([
      ...rules.filter((r) => r.subjectType === 'member').map((r) => r.subjectId),
      ...inDepartments,
      ...inGroups.flat(),
    ]),
  ]
}

const summary = (transitions: readonly Transition[]) => ({
  entitled: transitions.filter((t) => t.to === 'entitled').length,
  waiting: transitions.filter((t) => t.to === 'waiting').length,
  removed: transitions.filter((t) => t.to === undefined).length,
})

/**
 * Changes an app's rules and what follows from them, as one operation: the rules, the app's rules
 * version and the first share of the members' new standing commit together (with the seats the
 * whole change needs: a change that would leave someone it lets in without a seat is refused
 * whole); the rest commits right after. Members who entered a subject meanwhile are caught by a
 * second read of the subjects once the rules are in.
 */
const changeRules = async (
  ctx: TenantContext,
  appId: string,
  change: (current: Rule[]) => { next: Rule[]; touched: Rule[]; writes: WriteItem[]; subjects: string[] },
  options: { refuseShortfall: boolean },
) => {
  let read: { touched: string; affected: string[]; inputs: Inputs } | undefined
  for (let attempt = 0; ; attempt++) {
    const policy = await loadPolicy(ctx, appId)
    const { next, touched, writes, subjects } = change(policy.rules)
    const nextPolicy = { ...policy, rules: next }
    // A retry after losing to another change of the app's rules reads only the rules again: the
    // commit checks the members, the tree and the entitlements, and a failure there reads all.
    if (read?.touched !== JSON.stringify(touched)) {
      const affected = await reachOf(ctx, touched)
      read = {
        touched: JSON.stringify(touched),
        affected,
        inputs: await loadInputs(ctx, [nextPolicy], affected),
      }
    } else {
      read.inputs.policies.set(appId, nextPolicy)
    }
    const { affected, inputs } = read
    const transitions = plan(inputs, affected)
    const short = transitions.filter((t) => t.to === 'waiting' && t.from === undefined).length
    if (options.refuseShortfall && short > 0 && policy.seats !== undefined) {
      const needed = transitions.filter((t) => t.to === 'entitled').length + short
      const released = transitions.filter((t) => t.from === 'entitled').length
      const free = Math.max(0, policy.seats - policy.held + released)
      throw new AppError(
        'SEAT_LIMIT_REACHED',
        `${needed} members need a seat of this app; ${free} are free`,
        {
          free,
          needed,
        },
      )
    }
    const delta = seatDelta(transitions, appId)
    let rest: Planned
    try {
      rest = await commitLead(ctx, inputs, transitions, {
        writes,
        apps: new Map([[appId, { bump: true, needs: Math.max(0, delta) }]]),
        members: subjects,
      })
    } catch (err) {
      if (!retryable(err)) throw err
      if (attempt >= MAX_ATTEMPTS) {
        throw new AppError('CONFLICT', "other changes of this app's rules kept getting in first; retry")
      }
      if (!(err instanceof ConditionsFailed && [...err.labels].every((l) => l === 'apps'))) read = undefined
      await pause(attempt)
      continue
    }
    try {
      const members = rest.chunks.flat().map((t) => t.memberId)
      const freed = await reconcile(ctx, [appId], members, { planned: rest })
      const seen = new Set(affected)
      const newcomers = (await reachOf(ctx, touched)).filter((id) => !seen.has(id))
      for (const id of await reconcile(ctx, [appId], newcomers)) freed.add(id)
      if (delta < 0 || freed.size > 0) await settleSeats(ctx, [appId])
    } catch (err) {
      // the rules are in: the table stream completes their effect (lib/access/directory-events.ts)
      if (!retryable(err)) throw err
      log.warn('rule change left to the stream', { appId })
    }
    return summary(transitions)
  }
}

/** Lets members, departments and groups use an app, or denies it to members and departments. */
export const grantApp = async (ctx: TenantContext, appId: string, input: GrantInput) => {
  await requireApp(ctx, appId)
  const rules = rulesOf(input)
  await checkSubjects(ctx, rules)
  const at = nowIso()
  const result = await changeRules(
    ctx,
    appId,
    (current) => {
      const replaced = new Map(current.map((r) => [r.grantId, r]))
      const ids = new Set(rules.map((r) => r.grantId))
      return {
        next: [...current.filter((r) => !ids.has(r.grantId)), ...rules],
        // a department rule that stops including the departments below still reaches them once
        touched: rules.map((r) => ({
          ...r,
          includeSubDepartments:
            r.includeSubDepartments || replaced.get(r.grantId)?.includeSubDepartments === true,
        })),
        writes: [
          ...rules.map((r) =>
            GrantEntity.build(PutTransaction).item({
              tenantId: ctx.tenantId,
              appId,
              grantId: r.grantId,
              effect: r.effect,
              subjectType: r.subjectType,
              subjectId: r.subjectId,
              includeSubDepartments: r.includeSubDepartments,
              grantedAt: at,
              grantedBy: ctx.actor.accountId,
              ...grantIndexKeys(ctx.tenantId, r, appId),
            }),
          ),
          // a rule is never written for a department or group gone meanwhile (members: below)
          ...rules.flatMap((r): WriteItem[] =>
            r.subjectType === 'department'
              ? [departmentExists(ctx, r.subjectId)]
              : r.subjectType === 'group'
                ? [groupExists(ctx, r.subjectId)]
                : [],
          ),
          auditWrite(ctx, {
            actorId: ctx.actor.accountId,
            action: 'app.granted',
            targetId: appId,
            detail: rules.map((r) => r.grantId).join(','),
          }),
        ],
        subjects: rules.filter((r) => r.subjectType === 'member').map((r) => r.subjectId),
      }
    },
    { refuseShortfall: rules.some((r) => r.effect === 'allow') },
  )
  const views = await grantViews(
    ctx,
    rules.map((r) => ({ ...r, grantedAt: at, grantedBy: ctx.actor.accountId })),
  )
  return { grants: views, ...result }
}

/** Takes a rule away; those it alone let in lose the app, and the seats they free go to those waiting. */
export const revokeGrant = async (ctx: TenantContext, appId: string, grantId: string) => {
  await requireApp(ctx, appId)
  await changeRules(
    ctx,
    appId,
    (current) => {
      const rule = current.find((r) => r.grantId === grantId)
      if (!rule) throw notFound('grant')
      return {
        next: current.filter((r) => r.grantId !== grantId),
        touched: [rule],
        writes: [
          GrantEntity.build(DeleteTransaction)
            .key({ tenantId: ctx.tenantId, appId, grantId })
            .options({ condition: { attr: 'grantId', exists: true } }),
          auditWrite(ctx, {
            actorId: ctx.actor.accountId,
            action: 'app.revoked',
            targetId: appId,
            detail: grantId,
          }),
        ],
        subjects: [],
      }
    },
    { refuseShortfall: false },
  )
}

/** Names of rule subjects, by id (a department, group or member since gone has none). */
export const subjectNames = async (
  scope: TenantScope,
  subjects: readonly Pick<Rule, 'subjectType' | 'subjectId'>[],
) => {
  const ids = (type: Rule['subjectType']) => [
    ...new Set(subjects.filter((s) => s.subjectType === type).map((s) => s.subjectId)),
  ]
  const [tree, groups, members, cipher] = await Promise.all([
    departmentParents(scope),
    getGroups(scope, ids('group')),
    getMemberships('tenant', scope.tenantId, ids('member')),
    tenantCipher(scope),
  ])
  return new Map<string, string>([
    ...tree.nameOf,
    ...groups.map((g): [string, string] => [g.groupId, g.name]),
    ...members.map((m): [string, string] => [m.accountId, toMember(cipher, m).name]),
  ])
}

export const subjectOf = (
  r: Pick<Rule, 'subjectType' | 'subjectId'>,
  names: ReadonlyMap<string, string>,
) => ({
  type: r.subjectType,
  id: r.subjectId,
  name: names.get(r.subjectId),
})

type GrantRecord = Rule & { grantedAt: string; grantedBy: string }

const grantViews = async (scope: TenantScope, grants: readonly GrantRecord[]): Promise<GrantView[]> => {
  const names = await subjectNames(scope, grants)
  return grants.map((g) => ({
    grantId: g.grantId,
    effect: g.effect,
    subject: subjectOf(g, names),
    includeSubDepartments: g.includeSubDepartments,
    grantedAt: g.grantedAt,
    grantedBy: g.grantedBy,
  }))
}

export const listGrants = async (scope: TenantScope, appId: string, limit: number, cursor?: string) => {
  await requireApp(scope, appId)
  const page = await queryPage(GrantEntity, {
    partition: tenantPartition(scope.tenantId),
    prefix: `GRANT#${appId}#`,
    limit,
    cursor,
  })
  return { items: await grantViews(scope, page.items), nextCursor: page.nextCursor }
}
