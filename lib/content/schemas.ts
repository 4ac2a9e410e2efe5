import * as z from 'zod'
import { PageQuery, page } from '../core/db/pagination.js'
import { Id, Iso, LevelName } from '../core/http/schemas.js'
import { TextLine as Line } from '../core/http/text-line.js'
import { ContentImage } from './cover.js'
import { RichTextSchema } from './rich-text.js'

/** A content id (its first letter names its level: p, i, t); an id of no level is simply not found. */
export const ContentId = Id

/** The fields of a news item a category shows in lists (title and category are always shown). */
export const NEWS_FIELDS = ['summary', 'cover', 'author', 'publishedAt'] as const
export const NewsField = z.enum(NEWS_FIELDS)
export type NewsField = z.infer<typeof NewsField>

/**
 * Who sees a category's news: everyone the level reaches, or (a tenant's categories only) the
 * members of the departments named (or of a department below one), of the groups and of the roles
 * named.
 */
export const VisibilitySchema = z
  .discriminatedUnion('to', [
    z.object({ to: z.literal('everyone') }).strict(),
    z
      .object({
        to: z.literal('members'),
        departmentIds: z.array(Id).max(100).default([]),
        groupIds: z.array(Id).max(100).default([]),
        roleIds: z.array(Id).max(100).default([]),
      })
      .strict()
      .refine((v) => v.departmentIds.length + v.groupIds.length + v.roleIds.length > 0, {
        message: 'name at least one department, group or role',
      }),
  ])
  .meta({ id: 'NewsVisibility' })
export type Visibility = z.infer<typeof VisibilitySchema>

export const CategorySchema = z
  .object({
    categoryId: Id,
    name: Line(50),
    visibility: VisibilitySchema,
    fields: z.array(NewsField),
    order: z.int().min(0).max(1000),
  })
  .meta({ id: 'NewsCategory' })
export type Category = z.infer<typeof CategorySchema>

export const CategoryBody = z
  .object({
    name: Line(50),
    visibility: VisibilitySchema.default({ to: 'everyone' }),
    fields: z
      .array(NewsField)
      .max(NEWS_FIELDS.length)
      .refine((f) => new Set(f).size === f.length, 'each field once')
      .default([...NEWS_FIELDS]),
    order: z.int().min(0).max(1000).default(0),
  })
  .strict()
  .meta({ id: 'NewsCategoryInput' })
export const CategoryPatch = CategoryBody.partial().strict().meta({ id: 'NewsCategoryChange' })

export const NEWS_STATUSES = ['draft', 'published', 'withdrawn'] as const

const newsFields = {
  categoryId: Id,
  title: Line(200),
  summary: Line(500),
  cover: ContentImage,
  author: Line(100),
  body: RichTextSchema,
  pinned: z.boolean(),
}

export const NewsBody = z
  .object({
    ...newsFields,
    summary: newsFields.summary.optional(),
    cover: newsFields.cover.optional(),
    author: newsFields.author.optional(),
    pinned: newsFields.pinned.default(false),
  })
  .strict()
  .meta({ id: 'NewsInput' })
export type NewsInput = z.infer<typeof NewsBody>

/** A change to a news item: the fields given change; `null` clears an optional one. */
export const NewsPatch = z
  .object({
    ...newsFields,
    summary: newsFields.summary.nullable(),
    cover: newsFields.cover.nullable(),
    author: newsFields.author.nullable(),
  })
  .partial()
  .strict()
  .meta({ id: 'NewsChange' })
export type NewsChange = z.infer<typeof NewsPatch>

/** A draft-then-published item as its administrators see it: its id and level, its fields, its life. */
const publishableRecord = <I extends z.ZodRawShape, F extends z.ZodRawShape>(id: I, fields: F) =>
  z.object({
    ...id,
    level: LevelName,
    ...fields,
    status: z.enum(NEWS_STATUSES),
    createdAt: Iso,
    updatedAt: Iso,
    publishedAt: Iso.optional(),
  })

export const NewsSchema = publishableRecord(
  { newsId: ContentId },
  {
    ...newsFields,
    summary: newsFields.summary.optional(),
    cover: newsFields.cover.optional(),
    author: newsFields.author.optional(),
  },
).meta({ id: 'News' })
export type NewsView = z.infer<typeof NewsSchema>

/** A news item in a member's feed: its category and the fields the category shows. */
export const FeedItemSchema = z
  .object({
    newsId: ContentId,
    level: LevelName,
    category: z.object({ categoryId: Id, name: z.string() }),
    title: z.string(),
    pinned: z.boolean(),
    summary: z.string().optional(),
    cover: z.string().optional(),
    author: z.string().optional(),
    publishedAt: Iso.optional(),
  })
  .meta({ id: 'FeedItem' })
export type FeedItem = z.infer<typeof FeedItemSchema>

export const MemberNewsSchema = FeedItemSchema.extend({
  body: RichTextSchema,
  /** the body as escaped HTML, ready to show */
  html: z.string(),
}).meta({ id: 'MemberNews' })

export const FeedPage = page(FeedItemSchema)

const announcementFields = { title: Line(200), body: RichTextSchema, strongReminder: z.boolean() }

export const AnnouncementBody = z
  .object({ ...announcementFields, strongReminder: announcementFields.strongReminder.default(false) })
  .strict()
  .meta({ id: 'AnnouncementInput' })
export type AnnouncementInput = z.infer<typeof AnnouncementBody>
export const AnnouncementPatch = z
  .object(announcementFields)
  .partial()
  .strict()
  .meta({ id: 'AnnouncementChange' })

export const ReadCountsSchema = z
  .object({
    /** members it was delivered to so far (delivery runs in the background after publishing) */
    recipients: z.int(),
    read: z.int(),
    unread: z.int(),
  })
  .meta({ id: 'ReadCounts' })
export type ReadCounts = z.infer<typeof ReadCountsSchema>

export const AnnouncementSchema = publishableRecord(
  { announcementId: ContentId },
  { title: z.string(), body: RichTextSchema, strongReminder: z.boolean() },
)
  .extend({ withdrawnAt: Iso.optional() })
  .meta({ id: 'Announcement' })
export type AnnouncementView = z.infer<typeof AnnouncementSchema>

export const ReadsQuery = PageQuery.extend({ state: z.enum(['read', 'unread']).default('unread') })
export const ReadsPage = page(z.object({ memberId: Id, readAt: Iso.optional() })).extend({
  counts: ReadCountsSchema,
})

/** An announcement as its recipient sees it in their list. */
export const MyAnnouncementSchema = z
  .object({
    announcementId: ContentId,
    level: LevelName,
    title: z.string(),
    strongReminder: z.boolean(),
    publishedAt: Iso,
    read: z.boolean(),
    readAt: Iso.optional(),
  })
  .meta({ id: 'MyAnnouncement' })
export type MyAnnouncement = z.infer<typeof MyAnnouncementSchema>

export const MyAnnouncementsQuery = PageQuery.extend({
  unread: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
})
export const MyAnnouncementsPage = page(MyAnnouncementSchema).extend({ unreadCount: z.int() })

export const MemberAnnouncementSchema = MyAnnouncementSchema.extend({
  body: RichTextSchema,
  html: z.string(),
}).meta({ id: 'MemberAnnouncement' })

export const Slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens')
  .max(60)
export const PageBody = z
  .object({ title: Line(200), body: RichTextSchema })
  .strict()
  .meta({ id: 'PageInput' })
export const PageSchema = z
  .object({ slug: Slug, title: z.string(), body: RichTextSchema, html: z.string(), updatedAt: Iso })
  .meta({ id: 'ContentPage' })
