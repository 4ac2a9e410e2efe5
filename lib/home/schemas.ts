import * as z from 'zod'
import { MyAppsSchema } from '../access/schemas.js'
import { TimeZone } from '../calendar/schemas.js'
import { FeedItemSchema, MyAnnouncementSchema } from '../content/schemas.js'
import { MemberPortalSchema } from '../portal/schemas.js'
import { HOME_TODOS } from '../todos/schemas.js'

/** How many news items and unread announcements the home page shows (the rest are a click away). */
export const HOME_NEWS = 5
export const HOME_ANNOUNCEMENTS = 5

/** The home page's query: the time zone "today" is read in. */
export const HomeQuery = z.object({ timeZone: TimeZone.default('UTC') })

/**
 * Everything a member's home page shows, in one answer: their apps (grouped), today's schedule (in
 * the time zone asked) and their first open todos with the open count, the latest news, the unread
 * announcements with their count, and the web portal to render.
 */
export const HomeSchema = z
  .object({
    apps: MyAppsSchema,
    schedule: z.object({
      /** today in the time zone asked (YYYY-MM-DD) */
      date: z.iso.date(),
      /** the events of the day the member has not declined: all-day ones first, then by start */
      events: z.array(
        z.object({
          eventId: z.string(),
          title: z.string(),
          /** a date (all-day, YYYY-MM-DD) or an instant (ISO 8601, UTC) */
          start: z.string(),
          /** exclusive, like start */
          end: z.string(),
          allDay: z.boolean(),
          location: z.string().optional(),
        }),
      ),
    }),
    todos: z.object({
      /** the first open todos, soonest due first (undated last) */
      items: z
        .array(z.object({ todoId: z.string(), title: z.string(), due: z.string().optional() }))
        .max(HOME_TODOS),
      /** every open todo of the member */
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
