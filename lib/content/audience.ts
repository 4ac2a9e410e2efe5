import { checkedPlaceOf, checkedTenantOf } from '../auth/session-check.js'
import type { TenantCaller } from '../core/auth/caller.js'
import type { TenantScope } from '../core/tenancy.js'
import { departmentParents } from '../directory/departments.js'
import { memberGroupIds } from '../directory/groups.js'
import { getMembership } from '../identity/accounts.js'
import { getTenantView } from '../tenants/views.js'
import type { Category } from './schemas.js'

/**
 * A member as content sees them: their tenant and its industry (whose news they get), their roles
 * and direct departments. Built from what the session check read: no request.
 */
export interface MemberContext {
  tenant: TenantScope
  industry: string
  memberId: string
  roles: readonly string[]
  departmentIds: readonly string[]
}

export const memberContextOf = async (caller: TenantCaller): Promise<MemberContext> => {
  const scope = caller.tenant
  const [tenant, place] = await Promise.all([
    checkedTenantOf(caller) ?? getTenantView(scope.tenantId),
    checkedPlaceOf(caller) ??
      getMembership('tenant', scope.tenantId, caller.accountId).then((m) => ({
        departmentIds: m?.departmentIds ?? [],
      })),
  ])
  return {
    tenant: { tenantId: scope.tenantId },
    industry: tenant.industry,
    memberId: caller.accountId,
    roles: scope.actor.roles,
    departmentIds: place.departmentIds,
  }
}

const meets = (ids: readonly string[], mine: ReadonlySet<string>) => ids.some((id) => mine.has(id))

/**
 * The ids of the categories a member may read. Everyone's categories need nothing; a restricted
 * one is decided by the member's roles and direct departments where it can be, and only otherwise
 * are the member's groups (one query) and the department tree (one query, for the departments
 * above theirs: a category for a department reaches the departments below it) read, in parallel.
 */
export const visibleCategories = async (
  member: MemberContext,
  categories: Category[],
): Promise<Set<string>> => {
  const roles = new Set(member.roles)
  const direct = new Set(member.departmentIds)
  const visible = new Set<string>()
  const open: Category[] = []
  for (const c of categories) {
    const v = c.visibility
    if (v.to === 'everyone' || meets(v.roleIds, roles) || meets(v.departmentIds, direct))
      visible.add(c.categoryId)
    else open.push(c)
  }
  const needGroups = open.some((c) => c.visibility.to === 'members' && c.visibility.groupIds.length > 0)
  const needTree = open.some((c) => c.visibility.to === 'members' && c.visibility.departmentIds.length > 0)
  if (!needGroups && !needTree) return visible
  const [groups, tree] = await Promise.all([
    needGroups ? memberGroupIds(member.tenant, member.memberId) : [],
    needTree && member.departmentIds.length > 0 ? departmentParents(member.tenant) : undefined,
  ])
  const groupSet = new Set(groups)
  const places = new Set(direct)
  for (const d of member.departmentIds) {
    // up the tree from each of the member's departments (bounded: a cycle cannot be stored)
    for (let at = tree?.parentOf.get(d); at && !places.has(at); at = tree?.parentOf.get(at)) places.add(at)
  }
  for (const c of open) {
    const v = c.visibility
    if (v.to === 'members' && (meets(v.groupIds, groupSet) || meets(v.departmentIds, places)))
      visible.add(c.categoryId)
  }
  return visible
}
