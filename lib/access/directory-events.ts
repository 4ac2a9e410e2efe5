import { purgeAttributeValues } from '../apps/attribute-values.js'
import { queryAll } from '../core/db/pagination.js'
import { deleteKeys } from '../core/db/purge-keys.js'
import { AppError } from '../core/errors.js'
import type { ItemChange } from '../core/stream-function.js'
import { scopeOf, systemContext, type TenantScope } from '../core/tenancy.js'
import { departmentMemberIds, departmentParents, subtreeFrom } from '../directory/departments.js'
import { findTenant } from '../tenants/queries.js'
import { reachOf, revokeGrant } from './grants.js'
import type { Rule, SubjectType } from './policy.js'
import { loadGrants, reconcile, reconcileMembers, ruleOf } from './reconcile.js'
import { EntitlementEntity, GrantEntity, grantKey, holdersPartition, subjectPartition } from './records.js'

/**
 * Directory changes reach who may use which app through the table's stream: a member placed,
 * grouped or removed, a department moved, a subject or an app gone; and a rule's change is
 * checked once more (the request that made it did its effect unless it failed half-way). Handling is idempotent (it
 * computes the standing again from what is there now), so a redelivered batch changes nothing.
 */

const TENANT_PARTITION = /^T#([^#]+)$/

export const tenantOfChange = (c: ItemChange) => TENANT_PARTITION.exec(c.pk)?.[1]

const kindOf = (c: ItemChange) => c.sk.slice(0, c.sk.indexOf('#'))
const idOf = (c: ItemChange) => c.sk.slice(c.sk.indexOf('#') + 1)

const placementChanged = (before?: Record<string, unknown>, after?: Record<string, unknown>) =>
  JSON.stringify(before?.departmentIds ?? []) !== JSON.stringify(after?.departmentIds ?? []) ||
  (before?.groupCount ?? 0) !== (after?.groupCount ?? 0)

/** The changes that can change someone's standing with an app. */
export const concernsAccess = (c: ItemChange): boolean => {
  if (!tenantOfChange(c)) return false
  switch (kindOf(c)) {
    case 'MEMBER':
      return c.event !== 'MODIFY' || placementChanged(c.before, c.after)
    case 'DEPT':
      return (
        c.sk !== 'DEPT#~TREE' &&
        (c.event === 'REMOVE' || (c.event === 'MODIFY' && c.before?.parentId !== c.after?.parentId))
      )
    case 'GROUP':
    case 'APP':
      return c.event === 'REMOVE'
    // the request that changed a rule did its effect; this is the net under it
    case 'GRANT':
      return true
    default:
      return false
  }
}

/** Rules that name a subject (the index lags a little; a rule written since reaches nobody anyway). */
const rulesNaming = (scope: TenantScope, type: SubjectType, id: string) =>
  queryAll(GrantEntity, {
    index: 'GSI1',
    partition: subjectPartition(scope.tenantId, { subjectType: type, subjectId: id }),
  })

const holders = async (scope: TenantScope, appId: string) =>
  (
    await queryAll(EntitlementEntity, { index: 'GSI1', partition: holdersPartition(scope.tenantId, appId) })
  ).map((e) => e.memberId)

/** A deleted app: nobody keeps it, and its rules go. */
const dropApp = async (scope: TenantScope, appId: string) => {
  await reconcile(scope, [appId], await holders(scope, appId))
  const grants = await loadGrants(scope, appId)
  await deleteKeys(grants.map((g) => grantKey(scope.tenantId, appId, g.grantId)))
}

export const applyAccessChanges = async (tenantId: string, changes: ItemChange[]) => {
  const tenant = await findTenant(tenantId)
  // a released tenant's partition is being purged: nothing of it is used any more
  if (!tenant || tenant.status === 'released') return 'tenant released'
  const scope = scopeOf(tenantId)
  const ctx = systemContext({ ...scope, code: tenant.code }, 'access')
  const members = new Set<string>()
  const moved = new Set<string>()
  const gone: { type: SubjectType; id: string }[] = []
  const apps = new Set<string>()
  const changedRules = new Map<string, Rule[]>()
  for (const c of changes) {
    const id = idOf(c)
    const kind = kindOf(c)
    if (kind === 'MEMBER') members.add(id)
    if (kind === 'MEMBER' && c.event === 'REMOVE') gone.push({ type: 'member', id })
    if (kind === 'DEPT' && c.event === 'REMOVE') gone.push({ type: 'department', id })
    if (kind === 'DEPT' && c.event === 'MODIFY') moved.add(id)
    if (kind === 'GROUP') gone.push({ type: 'group', id })
    if (kind === 'APP') apps.add(id)
    if (kind === 'GRANT') {
      const rule = (c.after ?? c.before) as (Rule & { appId: string }) | undefined
      if (rule?.appId) changedRules.set(rule.appId, [...(changedRules.get(rule.appId) ?? []), ruleOf(rule)])
    }
  }
  for (const appId of apps) await dropApp(scope, appId)
  for (const [appId, rules] of changedRules) {
    await reconcile(scope, [appId], await reachOf(scope, rules))
  }
  // a subject that is gone takes its rules along: a member who comes back starts with nothing
  for (const subject of gone) {
    for (const rule of await rulesNaming(scope, subject.type, subject.id)) {
      try {
        await revokeGrant(ctx, rule.appId, rule.grantId)
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err
      }
    }
  }
  if (moved.size > 0) {
    const subtrees = subtreeFrom((await departmentParents(scope)).parentOf)
    for (const id of await departmentMemberIds(scope, subtrees(moved))) members.add(id)
  }
  await reconcileMembers(scope, [...members])
  const purged = await purgeAttributeValues(scope, {
    appIds: [...apps],
    memberIds: gone.filter((g) => g.type === 'member').map((g) => g.id),
  })
  return `members ${members.size}, subjects gone ${gone.length}, apps gone ${apps.size}, values purged ${purged}`
}
