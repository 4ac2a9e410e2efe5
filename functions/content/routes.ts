import * as z from 'zod'
import {
  type AnnouncementLevel,
  announcementReaders,
  createAnnouncement,
  deleteAnnouncement,
  getAnnouncement,
  listAnnouncements,
  markRead,
  memberAnnouncement,
  myAnnouncements,
  publishAnnouncement,
  readCounts,
  updateAnnouncement,
  withdrawAnnouncement,
} from '../../lib/content/announcements.js'
import { memberContextOf } from '../../lib/content/audience.js'
import {
  createCategory,
  deleteCategory,
  listCategories,
  updateCategory,
} from '../../lib/content/categories.js'
import { memberFeed, memberNews } from '../../lib/content/feed.js'
import type { ContentLevel } from '../../lib/content/levels.js'
import {
  createNews,
  deleteNews,
  getNews,
  listNews,
  publishNews,
  updateNews,
  withdrawNews,
} from '../../lib/content/news.js'
import { getPage, putPage } from '../../lib/content/pages.js'
import type { Publisher } from '../../lib/content/publisher.js'
import {
  AnnouncementBody,
  AnnouncementPatch,
  AnnouncementSchema,
  CategoryBody,
  CategoryPatch,
  CategorySchema,
  ContentId,
  FeedPage,
  MemberAnnouncementSchema,
  MemberNewsSchema,
  MyAnnouncementsPage,
  MyAnnouncementsQuery,
  NewsBody,
  NewsPatch,
  NewsSchema,
  PageBody,
  PageSchema,
  ReadCountsSchema,
  ReadsPage,
  ReadsQuery,
  Slug,
} from '../../lib/content/schemas.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import {
  type Access,
  industryAccess,
  platformAccess,
  signedInAccess,
  tenantAccess,
} from '../../lib/core/http/access.js'
import { type CallerFor, route } from '../../lib/core/http/route.js'
import { Id, NoContent } from '../../lib/core/http/schemas.js'

const NewsParams = z.object({ newsId: ContentId })
const CategoryParams = z.object({ categoryId: Id })
const AnnouncementParams = z.object({ announcementId: ContentId })
const SlugParams = z.object({ slug: Slug })

const WHOSE = {
  platform: 'the platform (unified: every tenant)',
  industry: "the caller's industry (its tenants)",
  tenant: "the caller's tenant (its members)",
} as const
const NAME = { platform: 'Platform', industry: 'Industry', tenant: 'Tenant' } as const

type Level = keyof typeof WHOSE

/** Each administrator writes only their own level, named by their token. */
const publisherOf =
  <A extends Access>(levelOf: (req: CallerFor<A>) => ContentLevel) =>
  (req: CallerFor<A>): Publisher => ({
    level: levelOf(req),
    actorId: (req.caller as { accountId: string }).accountId,
  })

/** A level's news and categories, for its administrators. */
const newsRoutes = <A extends Access>(
  level: Level,
  access: A,
  levelOf: (req: CallerFor<A>) => ContentLevel,
) => {
  const tag = 'News'
  const base = `/v1/${level}/news`
  const cats = `/v1/${level}/news-categories`
  const who = WHOSE[level]
  const n = NAME[level]
  const publisher = publisherOf(levelOf)
  return [
    route({
      operationId: `list${n}News`,
      method: 'GET',
      path: base,
      summary: `The news of ${who}, drafts included, newest first`,
      tag,
      access,
      query: PageQuery,
      response: page(NewsSchema),
      handle: async (req) => listNews(levelOf(req), req.query.limit, req.query.cursor),
    }),
    route({
      operationId: `create${n}News`,
      method: 'POST',
      path: base,
      summary: `Write a news item of ${who} (a draft until published)`,
      tag,
      access,
      body: NewsBody,
      response: NewsSchema,
      status: 201,
      handle: async (req) => createNews(publisher(req), req.body),
    }),
    route({
      operationId: `get${n}News`,
      method: 'GET',
      path: `${base}/{newsId}`,
      summary: `A news item of ${who}`,
      tag,
      access,
      params: NewsParams,
      response: NewsSchema,
      handle: async (req) => getNews(levelOf(req), req.params.newsId),
    }),
    route({
      operationId: `update${n}News`,
      method: 'PATCH',
      path: `${base}/{newsId}`,
      summary: `Change a news item of ${who} (null clears summary, cover or author; a published one changes in the feed at once)`,
      tag,
      access,
      params: NewsParams,
      body: NewsPatch,
      response: NewsSchema,
      handle: async (req) => updateNews(publisher(req), req.params.newsId, req.body),
    }),
    route({
      operationId: `delete${n}News`,
      method: 'DELETE',
      path: `${base}/{newsId}`,
      summary: `Delete a news item of ${who}`,
      tag,
      access,
      params: NewsParams,
      response: NoContent,
      status: 204,
      handle: async (req) => {
        await deleteNews(publisher(req), req.params.newsId)
        return undefined
      },
    }),
    route({
      operationId: `publish${n}News`,
      method: 'POST',
      path: `${base}/{newsId}/publish`,
      summary: `Publish a news item of ${who} (a draft, or a withdrawn one again)`,
      tag,
      access,
      params: NewsParams,
      response: NewsSchema,
      errors: ['INVALID_STATE'],
      handle: async (req) => publishNews(publisher(req), req.params.newsId),
    }),
    route({
      operationId: `withdraw${n}News`,
      method: 'POST',
      path: `${base}/{newsId}/withdraw`,
      summary: `Withdraw a published news item of ${who} from every feed`,
      tag,
      access,
      params: NewsParams,
      response: NewsSchema,
      errors: ['INVALID_STATE'],
      handle: async (req) => withdrawNews(publisher(req), req.params.newsId),
    }),
    route({
      operationId: `list${n}NewsCategories`,
      method: 'GET',
      path: cats,
      summary: `The news categories of ${who}, in display order`,
      tag,
      access,
      response: z.object({ items: z.array(CategorySchema) }),
      handle: async (req) => ({ items: await listCategories(levelOf(req)) }),
    }),
    route({
      operationId: `create${n}NewsCategory`,
      method: 'POST',
      path: cats,
      summary: `Add a news category to ${who}: who sees it (a tenant's may name departments, groups, roles) and the fields its lists show`,
      tag,
      access,
      body: CategoryBody,
      response: CategorySchema,
      status: 201,
      errors: ['PLAN_LIMIT_EXCEEDED'],
      handle: async (req) => createCategory(publisher(req), req.body),
    }),
    route({
      operationId: `update${n}NewsCategory`,
      method: 'PATCH',
      path: `${cats}/{categoryId}`,
      summary: `Change a news category of ${who}`,
      tag,
      access,
      params: CategoryParams,
      body: CategoryPatch,
      response: CategorySchema,
      handle: async (req) => updateCategory(publisher(req), req.params.categoryId, req.body),
    }),
    route({
      operationId: `delete${n}NewsCategory`,
      method: 'DELETE',
      path: `${cats}/{categoryId}`,
      summary: `Delete a news category of ${who} (its news is no longer shown to members)`,
      tag,
      access,
      params: CategoryParams,
      response: NoContent,
      status: 204,
      handle: async (req) => {
        await deleteCategory(publisher(req), req.params.categoryId)
        return undefined
      },
    }),
  ]
}

/** A level's announcements, for its administrators. */
const announcementRoutes = <A extends Access>(
  level: 'platform' | 'tenant',
  access: A,
  levelOf: (req: CallerFor<A>) => AnnouncementLevel,
) => {
  const tag = 'Announcements'
  const base = `/v1/${level}/announcements`
  const who = WHOSE[level]
  const n = NAME[level]
  const publisher = (req: CallerFor<A>) =>
    publisherOf(levelOf)(req) as Publisher & { level: AnnouncementLevel }
  return [
    route({
      operationId: `list${n}Announcements`,
      method: 'GET',
      path: base,
      summary: `The announcements of ${who}, drafts included, newest first`,
      tag,
      access,
      query: PageQuery,
      response: page(AnnouncementSchema),
      handle: async (req) => listAnnouncements(levelOf(req), req.query.limit, req.query.cursor),
    }),
    route({
      operationId: `create${n}Announcement`,
      method: 'POST',
      path: base,
      summary: `Write an announcement of ${who} (a draft until published)`,
      tag,
      access,
      body: AnnouncementBody,
      response: AnnouncementSchema,
      status: 201,
      handle: async (req) => createAnnouncement(publisher(req), req.body),
    }),
    route({
      operationId: `get${n}Announcement`,
      method: 'GET',
      path: `${base}/{announcementId}`,
      summary: `An announcement of ${who}`,
      tag,
      access,
      params: AnnouncementParams,
      response: AnnouncementSchema,
      handle: async (req) => getAnnouncement(levelOf(req), req.params.announcementId),
    }),
    route({
      operationId: `update${n}Announcement`,
      method: 'PATCH',
      path: `${base}/{announcementId}`,
      summary: `Change a draft announcement of ${who}`,
      tag,
      access,
      params: AnnouncementParams,
      body: AnnouncementPatch,
      response: AnnouncementSchema,
      errors: ['INVALID_STATE'],
      handle: async (req) => updateAnnouncement(publisher(req), req.params.announcementId, req.body),
    }),
    route({
      operationId: `delete${n}Announcement`,
      method: 'DELETE',
      path: `${base}/{announcementId}`,
      summary: `Delete a draft announcement of ${who}`,
      tag,
      access,
      params: AnnouncementParams,
      response: NoContent,
      status: 204,
      errors: ['INVALID_STATE'],
      handle: async (req) => {
        await deleteAnnouncement(publisher(req), req.params.announcementId)
        return undefined
      },
    }),
    route({
      operationId: `publish${n}Announcement`,
      method: 'POST',
      path: `${base}/{announcementId}/publish`,
      summary: `Publish a draft announcement of ${who}: every member it reaches gets it (delivered in the background)`,
      tag,
      access,
      params: AnnouncementParams,
      response: AnnouncementSchema,
      errors: ['INVALID_STATE', 'PLAN_LIMIT_EXCEEDED'],
      handle: async (req) => publishAnnouncement(publisher(req), req.params.announcementId),
    }),
    route({
      operationId: `withdraw${n}Announcement`,
      method: 'POST',
      path: `${base}/{announcementId}/withdraw`,
      summary: `Withdraw a published announcement of ${who}: it leaves every member's list`,
      tag,
      access,
      params: AnnouncementParams,
      response: AnnouncementSchema,
      errors: ['INVALID_STATE'],
      handle: async (req) => withdrawAnnouncement(publisher(req), req.params.announcementId),
    }),
  ]
}

const platform = platformAccess()
const industry = industryAccess()
const tenantAdmin = tenantAccess('content.write')
const member = tenantAccess()

const platformLevel = () => ({ level: 'platform' }) as const
const tenantLevel = (req: CallerFor<typeof tenantAdmin>) =>
  ({ level: 'tenant', tenantId: req.tenant.tenantId }) as const

export const routes = [
  ...newsRoutes('platform', platform, platformLevel),
  ...newsRoutes('industry', industry, (req) => ({ level: 'industry', industry: req.caller.industry })),
  ...newsRoutes('tenant', tenantAdmin, tenantLevel),
  ...announcementRoutes('platform', platform, platformLevel),
  ...announcementRoutes('tenant', tenantAdmin, tenantLevel),
  route({
    operationId: 'platformAnnouncementReads',
    method: 'GET',
    path: '/v1/platform/announcements/{announcementId}/reads',
    summary:
      "How many members a unified announcement reached and how many have read it (counts only: members are their tenants')",
    tag: 'Announcements',
    access: platform,
    params: AnnouncementParams,
    response: ReadCountsSchema,
    handle: async (req) => readCounts(platformLevel(), req.params.announcementId),
  }),
  route({
    operationId: 'tenantAnnouncementReads',
    method: 'GET',
    path: '/v1/tenant/announcements/{announcementId}/reads',
    summary: 'Who has read an announcement of the tenant, or who has not (a page), with exact counts',
    tag: 'Announcements',
    access: tenantAdmin,
    params: AnnouncementParams,
    query: ReadsQuery,
    response: ReadsPage,
    handle: async (req) =>
      announcementReaders(
        tenantLevel(req),
        req.params.announcementId,
        req.query.state,
        req.query.limit,
        req.query.cursor,
      ),
  }),
  route({
    operationId: 'myFeed',
    method: 'GET',
    path: '/v1/me/feed',
    summary:
      "The caller's news: the platform's, their industry's and their tenant's, pinned first, then newest",
    tag: 'News',
    access: member,
    query: PageQuery,
    response: FeedPage,
    handle: async (req) => memberFeed(await memberContextOf(req.caller), req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'readNews',
    method: 'GET',
    path: '/v1/news/{newsId}',
    summary: 'A news item the caller may read (404 otherwise)',
    tag: 'News',
    access: member,
    params: NewsParams,
    response: MemberNewsSchema,
    handle: async (req) => memberNews(await memberContextOf(req.caller), req.params.newsId),
  }),
  route({
    operationId: 'myAnnouncements',
    method: 'GET',
    path: '/v1/me/announcements',
    summary:
      "The caller's announcements (unread first, newest first; `unread=true`: only those) and their unread count",
    tag: 'Announcements',
    access: member,
    query: MyAnnouncementsQuery,
    response: MyAnnouncementsPage,
    handle: async (req) =>
      myAnnouncements(await memberContextOf(req.caller), req.query.unread, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'readAnnouncement',
    method: 'GET',
    path: '/v1/announcements/{announcementId}',
    summary: 'An announcement delivered to the caller (404 otherwise, or once withdrawn)',
    tag: 'Announcements',
    access: member,
    params: AnnouncementParams,
    response: MemberAnnouncementSchema,
    handle: async (req) => memberAnnouncement(await memberContextOf(req.caller), req.params.announcementId),
  }),
  route({
    operationId: 'markAnnouncementRead',
    method: 'POST',
    path: '/v1/announcements/{announcementId}/read',
    summary: 'Mark an announcement read (again: nothing changes)',
    tag: 'Announcements',
    access: member,
    params: AnnouncementParams,
    response: z.object({ announcementId: ContentId, read: z.literal(true), readAt: z.string().optional() }),
    handle: async (req) => markRead(await memberContextOf(req.caller), req.params.announcementId),
  }),
  route({
    operationId: 'putContentPage',
    method: 'PUT',
    path: '/v1/platform/pages/{slug}',
    summary: 'Write a personal-centre page (e.g. `product-introduction`, `user-guide`)',
    tag: 'Content pages',
    access: platform,
    params: SlugParams,
    body: PageBody,
    response: PageSchema,
    handle: async (req) => putPage(req.params.slug, req.body, req.caller.accountId),
  }),
  route({
    operationId: 'getContentPage',
    method: 'GET',
    path: '/v1/pages/{slug}',
    summary: 'A personal-centre page the system admin maintains',
    tag: 'Content pages',
    access: signedInAccess(),
    params: SlugParams,
    response: PageSchema,
    handle: async (req) => getPage(req.params.slug),
  }),
]
