import { myAppIds, myAppsFrom, myAppsRequests } from '../access/my-apps.js'
import { checkedTenantOf } from '../auth/session-check.js'
import { inboxPage, unreadCountOf, unreadCountRequest } from '../content/announcements.js'
import { memberContextOf } from '../content/audience.js'
import { latestNewsFrom, latestNewsRequests } from '../content/feed.js'
import type { TenantCaller } from '../core/auth/caller.js'
import { nowIso } from '../core/clock.js'
import { batchGetGroups } from '../core/db/batch-get.js'
import { notFound } from '../core/errors.js'
import { memberPortalFrom, memberPortalRequests } from '../portal/member-portal.js'
import { findTenant } from '../tenants/queries.js'
import { HOME_ANNOUNCEMENTS, HOME_NEWS, type Home } from './schemas.js'

/**
 * A member's home page in one call. Its DynamoDB cost does not grow with news, announcements,
 * apps or members: after the session check's one request, the member's entitlements and the page
 * of unread announcements (a Query each, in parallel), then one BatchGetItem of everything else
 * (the portal's and the news' items, the unread count, the entitled apps and the shelf): 4 in all.
 * Only a portal or a news category narrowed to groups or departments the member's roles and direct
 * departments do not settle adds the member's groups (and, for departments, the tree).
 */
export const memberHome = async (caller: TenantCaller, issuer: string): Promise<Home> => {
  const scope = caller.tenant
  const tenant = checkedTenantOf(caller) ?? (await findTenant(scope.tenantId))
  if (!tenant) throw notFound('tenant')
  const member = await memberContextOf(caller)
  const viewer = {
    tenantId: scope.tenantId,
    memberId: caller.accountId,
    industry: tenant.industry,
    customPortal: tenant.limits.customPortal,
  }
  const [appIds, unread] = await Promise.all([
    myAppIds(scope, caller.accountId),
    inboxPage(member, true, HOME_ANNOUNCEMENTS),
  ])
  const part = await batchGetGroups(
    {
      portal: memberPortalRequests(viewer, 'web'),
      news: latestNewsRequests(member),
      count: [unreadCountRequest(member)],
      apps: myAppsRequests(scope, appIds),
    },
    { consistent: true },
  )
  const [portal, news] = await Promise.all([
    memberPortalFrom(viewer, 'web', part.portal),
    latestNewsFrom(member, part.news, HOME_NEWS),
  ])
  return {
    apps: myAppsFrom(appIds, part.apps, issuer),
    schedule: { date: nowIso().slice(0, 10), events: [] },
    todos: { items: [], count: 0 },
    news: { items: news },
    announcements: { unreadCount: unreadCountOf(part.count[0]), items: unread.items },
    portal,
  }
}
