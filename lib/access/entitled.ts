import { queryPage } from '../core/db/pagination.js'
import { notFound } from '../core/errors.js'
import type { TenantScope } from '../core/tenancy.js'
import { tenantCipher, toMember } from '../directory/members.js'
import { getMemberships } from '../identity/accounts.js'
import { requireApp, subjectNames, subjectOf } from './grants.js'
import { evaluate, type Match } from './policy.js'
import { loadInputs, loadPolicy } from './reconcile.js'
import { EntitlementEntity, type EntitlementState, holdersPartition } from './records.js'
import type { ENTITLEMENT_BLOCKERS } from './schemas.js'

/** Who holds the app (or waits for a seat of it, longest first), a page at a time. */
export const listEntitled = async (
  scope: TenantScope,
  appId: string,
  query: { state: EntitlementState; limit: number; cursor?: string },
) => {
  await requireApp(scope, appId)
  const page = await queryPage(EntitlementEntity, {
    index: 'GSI1',
    partition: holdersPartition(scope.tenantId, appId),
    prefix: query.state === 'entitled' ? 'E#' : 'W#',
    limit: query.limit,
    cursor: query.cursor,
  })
  const [members, cipher] = await Promise.all([
    getMemberships(
      'tenant',
      scope.tenantId,
      page.items.map((i) => i.memberId),
    ),
    tenantCipher(scope),
  ])
  const names = new Map(members.map((m) => [m.accountId, toMember(cipher, m).name]))
  return {
    items: page.items.map((i) => ({
      memberId: i.memberId,
      name: names.get(i.memberId) ?? '',
      state: i.state,
      since: i.since,
    })),
    nextCursor: page.nextCursor,
  }
}

/**
 * Why a member can or cannot open an app: the rules that let them in (a department rule with the
 * member's own department it reaches them through), those that keep them out, and whatever else
 * stands in the way (no seat, the app switched off, the licence expired, the member disabled).
 */
export const explainEntitlement = async (scope: TenantScope, appId: string, memberId: string) => {
  const app = await requireApp(scope, appId)
  const policy = await loadPolicy(scope, appId)
  const [inputs, [membership]] = await Promise.all([
    loadInputs(scope, [policy], [memberId]),
    getMemberships('tenant', scope.tenantId, [memberId]),
  ])
  const member = inputs.members.get(memberId)
  if (!member?.exists || !membership) throw notFound('member')
  const verdict = evaluate(policy.rules, member, inputs.parentOf)
  const state: EntitlementState | 'none' = inputs.standings.get(`${memberId}#${appId}`)?.state ?? 'none'
  const blockers: (typeof ENTITLEMENT_BLOCKERS)[number][] = []
  if (verdict.allowedBy.length === 0) blockers.push('not-granted')
  if (verdict.deniedBy.length > 0) blockers.push('denied')
  if (state === 'waiting') blockers.push('waiting-for-seat')
  if (app.enabled === false) blockers.push('app-disabled')
  if (app.status !== 'active') blockers.push('licence-expired')
  if (membership.status !== 'active') blockers.push('member-disabled')
  const names = await subjectNames(scope, [
    ...[...verdict.allowedBy, ...verdict.deniedBy].map((m) => m.rule),
    ...[...verdict.allowedBy, ...verdict.deniedBy].flatMap((m) =>
      m.via ? [{ subjectType: 'department' as const, subjectId: m.via }] : [],
    ),
  ])
  const view = (m: Match) => ({
    grantId: m.rule.grantId,
    subject: subjectOf(m.rule, names),
    includeSubDepartments: m.rule.includeSubDepartments,
    ...(m.via ? { via: { id: m.via, name: names.get(m.via) } } : {}),
  })
  return {
    memberId,
    appId,
    canOpen: blockers.length === 0 && state === 'entitled',
    state,
    grants: verdict.allowedBy.map(view),
    denies: verdict.deniedBy.map(view),
    blockers,
  }
}
