import { batchGetRequests } from '../core/db/batch-get.js'
import { levelChain } from '../core/levels.js'
import type { TenantId } from '../core/tenancy.js'
import { memberGroupIds } from '../directory/groups.js'
import { membershipRequest } from '../identity/accounts.js'
import { headRequest, resolvePortal } from './portals.js'
import type { Channel, MemberPortal, MenuItem, Portal, Visibility } from './schemas.js'

/** Whose portal: a member of a tenant, with what the tenant's record says (from the session check). */
export interface PortalViewer {
  tenantId: TenantId
  memberId: string
  /** the tenant's industry: its template is what a tenant that has not customised shows */
  industry: string
  /** the tenant's edition allows a custom portal (`limits.customPortal`) */
  customPortal: boolean
}

/** What visibility rules are checked against. */
export interface Audience {
  departments: readonly string[]
  groups: readonly string[]
  roles: readonly string[]
}

const anyOf = (wanted: readonly string[] | undefined, held: readonly string[]) =>
  (wanted ?? []).some((x) => held.includes(x))

/** No rule: everyone. Otherwise a member of any department, any group, or holding any role named. */
export const visibleTo = (v: Visibility | undefined, who: Audience): boolean =>
  !v ||
  (!v.departments?.length && !v.groups?.length && !v.roles?.length) ||
  anyOf(v.departments, who.departments) ||
  anyOf(v.groups, who.groups) ||
  anyOf(v.roles, who.roles)

const namesGroups = (p: Portal): boolean => {
  const all = [
    ...p.pages.flatMap((page) => [page.visibility, ...page.widgets.map((w) => w.visibility)]),
    ...p.menus.flatMap((m) => [m.visibility, ...(m.children ?? []).map((c) => c.visibility)]),
  ]
  return all.some((v) => (v?.groups?.length ?? 0) > 0)
}

/**
 * The portal as one member sees it: pages, widgets and menu entries they may not see are left out,
 * and so are menu entries opening a page left out, and parents left without children or target.
 */
export const filterPortal = (p: Portal, who: Audience): Portal => {
  const pages = p.pages
    .filter((page) => visibleTo(page.visibility, who))
    .map((page) => ({ ...page, widgets: page.widgets.filter((w) => visibleTo(w.visibility, who)) }))
  const pageIds = new Set(pages.map((x) => x.id))
  const opens = (m: { page?: string; url?: string }) =>
    m.url !== undefined || (m.page !== undefined && pageIds.has(m.page))
  const menus = p.menus.flatMap((m): MenuItem[] => {
    if (!visibleTo(m.visibility, who)) return []
    const children = (m.children ?? []).filter((c) => visibleTo(c.visibility, who) && opens(c))
    if (m.page === undefined && m.url === undefined) return children.length ? [{ ...m, children }] : []
    if (!opens(m)) return []
    return [{ ...m, ...(m.children ? { children } : {}) }]
  })
  return { pages, menus }
}

/** What a member's portal is read from: the membership and the three levels' heads (one batch). */
export const memberPortalRequests = (viewer: PortalViewer, channel: Channel) => [
  membershipRequest('tenant', viewer.tenantId, viewer.memberId),
  ...levelChain({ level: 'tenant', tenantId: viewer.tenantId, industry: viewer.industry }).map((l) =>
    headRequest(l, channel),
  ),
]

/**
 * A member's effective published portal for a channel, filtered for them, from the items of
 * `memberPortalRequests` (the membership: departments, roles, group count; the tenant's, the
 * industry's and the platform's heads) and, only when the portal shown has an entry for groups and
 * the member belongs to any, one Query of the member's groups.
 */
export const memberPortalFrom = async (
  viewer: PortalViewer,
  channel: Channel,
  [membership, ...heads]: (Record<string, unknown> | undefined)[],
): Promise<MemberPortal> => {
  const levels = levelChain({ level: 'tenant', tenantId: viewer.tenantId, industry: viewer.industry })
  const { portal, from, version } = resolvePortal(
    levels.map((level, i) => ({ level, head: heads[i] })),
    channel,
    viewer.customPortal,
  )
  const groupCount = (membership?.groupCount as number | undefined) ?? 0
  const groups =
    groupCount > 0 && namesGroups(portal)
      ? await memberGroupIds({ tenantId: viewer.tenantId }, viewer.memberId)
      : []
  const who: Audience = {
    departments: (membership?.departmentIds as string[] | undefined) ?? [],
    roles: (membership?.roles as string[] | undefined) ?? [],
    groups,
  }
  return { channel, from, version, portal: filterPortal(portal, who) }
}

/**
 * A member's portal at a constant DynamoDB cost, whatever the number of members, versions or
 * levels: one BatchGetItem, and the groups' Query only when the portal names groups: at most 2.
 */
export const memberPortal = async (viewer: PortalViewer, channel: Channel): Promise<MemberPortal> =>
  memberPortalFrom(viewer, channel, await batchGetRequests(memberPortalRequests(viewer, channel)))
