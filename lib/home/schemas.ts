import * as z from 'zod'
import { MyAppsSchema } from '../access/schemas.js'
import { FeedItemSchema, MyAnnouncementSchema } from '../content/schemas.js'
import { MemberPortalSchema } from '../portal/schemas.js'

/** How many news items and unread announcements the home page shows (the rest are a click away). */
export const HOME_NEWS = 5
export const HOME_ANNOUNCEMENTS = 5

/**
 * Everything a member's home page shows, in one answer: their apps (grouped), today's schedule and
 * open todos (empty until the office tools fill them; the shape is fixed now so front ends need not
 * change), the latest news, the unread announcements with their count, and the web portal to render.
 */
export const HomeSchema = z
  .object({
    apps: MyAppsSchema,
    schedule: z.object({
      /** today, UTC (YYYY-MM-DD) */
      date: z.iso.date(),
      events: z.array(
        z.object({ eventId: z.string(), title: z.string(), start: z.string(), end: z.string() }),
      ),
    }),
    todos: z.object({
      items: z.array(z.object({ todoId: z.string(), title: z.string(), due: z.string().optional() })),
      count: z.int(),
    }),
    news: z.object({ items: z.array(FeedItemSchema).max(HOME_NEWS) }),
    announcements: z.object({
      unreadCount: z.int(),
      items: z.array(MyAnnouncementSchema).max(HOME_ANNOUNCEMENTS),
    }),
    portal: MemberPortalSchema,
  })
  .meta({ id: 'Home' })
export type Home = z.infer<typeof HomeSchema>
