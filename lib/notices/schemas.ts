import * as z from 'zod'
import { page } from '../core/db/pagination.js'
import { Id } from '../core/http/schemas.js'

export const NoticeId = Id

export const NoticeParams = z.object({ noticeId: NoticeId })

/** What a capability tells a member: short, and nothing the member could not see anyway. */
export const NoticeSchema = z
  .object({
    noticeId: NoticeId,
    /** what it is about, `<capability>.<event>` (e.g. `calendar.reminder`, `approval.approved`) */
    kind: z.string(),
    title: z.string(),
    body: z.string().optional(),
    /** where the member goes to see the thing: a path of the workbench or an app's address */
    link: z.string().optional(),
    /** the id of the thing (an event, an approval) */
    ref: z.string().optional(),
    createdAt: z.string(),
    read: z.boolean(),
  })
  .meta({ id: 'Notice' })

export const NoticesPage = page(NoticeSchema).extend({ unreadCount: z.number().int().min(0) })

export const UnreadNotices = z.object({ unreadCount: z.number().int().min(0) })

export type NoticeView = z.output<typeof NoticeSchema>
