import { PageQuery } from '../../lib/core/db/pagination.js'
import { tenantAccess } from '../../lib/core/http/access.js'
import { route } from '../../lib/core/http/route.js'
import { markAllNoticesRead, markNoticeRead, myNotices } from '../../lib/notices/notices.js'
import { NoticeParams, NoticesPage, UnreadNotices } from '../../lib/notices/schemas.js'

const tag = 'Notices'
const member = tenantAccess()

/** The caller's notices (reminders, decisions on their requests …): personal, so under /v1/me. */
export const noticeRoutes = [
  route({
    operationId: 'myNotices',
    method: 'GET',
    path: '/v1/me/notices',
    summary: "The caller's notices, newest first, each read or not, and their unread count",
    tag,
    access: member,
    query: PageQuery,
    response: NoticesPage,
    handle: (req) => myNotices(req.caller, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'markNoticeRead',
    method: 'POST',
    path: '/v1/me/notices/{noticeId}/read',
    summary: "Mark one of the caller's notices read (again: nothing changes); answers the unread count",
    tag,
    access: member,
    params: NoticeParams,
    response: UnreadNotices,
    handle: (req) => markNoticeRead(req.caller, req.params.noticeId),
  }),
  route({
    operationId: 'markAllNoticesRead',
    method: 'POST',
    path: '/v1/me/notices/read',
    summary: 'Mark every notice of the caller read',
    tag,
    access: member,
    response: UnreadNotices,
    handle: (req) => markAllNoticesRead(req.caller),
  }),
]
