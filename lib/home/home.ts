import { myApps } from '../access/my-apps.js'
import { checkedTenantOf } from '../auth/session-check.js'
import { inboxPage, unreadCountOf, unreadCountRequest } from '../content/announcements.js'
import { memberContextOf } from '../content/audience.js'
import { latestNewsFrom, latestNewsRequests } from '../content/feed.js'
import type { TenantCaller } from '../core/auth/caller.js'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { notFound } from '../core/errors.js'
import { memberPortalFrom, memberPortalRequests } from '../portal/member-portal.js'
import { findTenant } from '../tenants/queries.js'
import { HOME_ANNOUNCEMENTS, HOME_NEWS, type Home } from './schemas.js'

/**
 * A member's home page in one call. Its DynamoDB cost does not grow with news, announcements or
 * members: the portal's and the news' items and the unread count in one BatchGetItem, beside the
 * member's entitlements (one Query, then one BatchGetItem of those apps) and the page of unread
 * announcements (one Query), all in parallel: 4 requests after the session check's one. Only a
 * portal or a news category narrowed to groups or departments the member's roles and direct
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
  const portalReads = memberPortalRequests(viewer, 'web')
  const newsReads = latestNewsRequests(member)
  const [items, apps, unread] = await Promise.all([
    batchGetRequests([...portalReads, ...newsReads, unreadCountRequest(member)], { consistent: true }),
    myApps(scope, caller.accountId, issuer),
    inboxPage(member, true, HOME_ANNOUNCEMENTS),
  ])
  const newsAt = portalReads.length
  const countAt = newsAt + newsReads.length
  const [portal, news] = await Promise.all([
    memberPortalFrom(viewer, 'web', items.slice(0, newsAt)),
    latestNewsFrom(member, items.slice(newsAt, countAt), HOME_NEWS),
  ])
  return {
    apps,
    schedule: { date: nowIso().slice(0, 10), events: [] },
    todos: { items: [], count: 0 },
    news: { items: news },
    announcements: { unreadCount: unreadCountOf(items[countAt]), items: unread.items },
    portal,
  }
}
