import { myAppIds, myAppsFrom, myAppsRequests } from '../access/my-apps.js'
import { checkedAppIdsOf, checkedTenantOf } from '../auth/session-check.js'
import { memberSchedule, todayIn } from '../calendar/views.js'
import { inboxPage, unreadCountOf, unreadCountRequest } from '../content/announcements.js'
import { memberContextOf } from '../content/audience.js'
import { latestNewsFrom, latestNewsRequests } from '../content/feed.js'
import type { TenantCaller } from '../core/auth/caller.js'
import { batchGetGroups } from '../core/db/batch-get.js'
import { notFound } from '../core/errors.js'
import { memberPortalFrom, memberPortalRequests } from '../portal/member-portal.js'
import { findTenant } from '../tenants/queries.js'
import { firstOpenTodos, openTodoCountOf, openTodoCountRequest } from '../todos/todos.js'
import { HOME_ANNOUNCEMENTS, HOME_NEWS, type Home } from './schemas.js'

/**
 * A member's home page in one call. Its DynamoDB cost grows with nothing the tenant or the member
 * holds: the session check's one request (which also reads the member's entitled app ids, kept on
 * their membership), then in parallel the page of unread announcements, today's schedule (two
 * queries of the member's calendar) and the first open todos (one query), and one BatchGetItem of
 * everything else (the portal's and the news' items, the unread and open-todo counts, the entitled
 * apps and the shelf): 6 in all. A membership written before it kept its app ids costs one query
 * more (its entitlements); a portal or a news category narrowed to groups or departments the
 * member's roles and direct departments do not settle adds the member's groups (and the tree).
 */
export const memberHome = async (caller: TenantCaller, issuer: string, timeZone = 'UTC'): Promise<Home> => {
  const scope = caller.tenant
  const me = caller.accountId
  const tenant = checkedTenantOf(caller) ?? (await findTenant(scope.tenantId))
  if (!tenant) throw notFound('tenant')
  const member = await memberContextOf(caller)
  const viewer = {
    tenantId: scope.tenantId,
    memberId: me,
    industry: tenant.industry,
    customPortal: tenant.limits.customPortal,
  }
  const [appIds, unread, schedule, todos] = await Promise.all([
    myAppIds(scope, me, checkedAppIdsOf(caller)),
    inboxPage(member, true, HOME_ANNOUNCEMENTS),
    memberSchedule(scope, me, todayIn(timeZone), timeZone),
    firstOpenTodos(scope, me),
  ])
  const part = await batchGetGroups(
    {
      portal: memberPortalRequests(viewer, 'web'),
      news: latestNewsRequests(member),
      counts: [unreadCountRequest(member), openTodoCountRequest(scope, me)],
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
    schedule,
    todos: { items: todos, count: openTodoCountOf(part.counts[1]) },
    news: { items: news },
    announcements: { unreadCount: unreadCountOf(part.counts[0]), items: unread.items },
    portal,
  }
}
