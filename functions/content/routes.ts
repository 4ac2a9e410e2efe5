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
  type AnnouncementView,
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
  type NewsView,
  PageBody,
  PageSchema,
  ReadCountsSchema,
  ReadsPage,
  ReadsQuery,
  Slug,
} from '../../lib/content/schemas.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import type { ErrorCode } from '../../lib/core/errors.js'
import {
  type Access,
  industryAccess,
  platformAccess,
  signedInAccess,
  tenantAccess,
} from '../../lib/core/http/access.js'
import { type LevelName, ownLevel } from '../../lib/core/http/own-level.js'
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

type Verb = 'list' | 'create' | 'get' | 'update' | 'delete' | 'publish' | 'withdraw'

/**
 * One kind of content a level's administrators write as a draft and then publish and withdraw
 * (news, announcements): its names, schemas, the summary and extra errors of each operation, and
 * the use cases behind them.
 */
interface Publishable<L extends ContentLevel, K extends string, V, B extends z.ZodType, P extends z.ZodType> {
  tag: string
  /** the path segment, `news` */
  segment: string
  /** the operationId nouns: one item, the list */
  one: string
  many: string
  idParam: K
  schema: z.ZodType<V>
  body: B
  patch: P
  summaries: Record<Verb, (who: string) => string>
  errors: Partial<Record<Verb, readonly ErrorCode[]>>
  list: (level: L, limit: number, cursor?: string) => Promise<{ items: V[]; nextCursor?: string }>
  create: (p: Publisher & { level: L }, body: z.output<B>) => Promise<V>
  get: (level: L, id: string) => Promise<V>
  update: (p: Publisher & { level: L }, id: string, change: z.output<P>) => Promise<V>
  remove: (p: Publisher & { level: L }, id: string) => Promise<void>
  publish: (p: Publisher & { level: L }, id: string) => Promise<V>
  withdraw: (p: Publisher & { level: L }, id: string) => Promise<V>
}

/** A level's drafts of one kind of content, for its administrators, who write only their own level. */
const publishableRoutes = <
  A extends Access,
  L extends ContentLevel,
  K extends string,
  V,
  B extends z.ZodType,
  P extends z.ZodType,
>(
  kind: Publishable<L, K, V, B, P>,
  level: L['level'],
  access: A,
  levelOf: (req: CallerFor<A>) => L,
) => {
  const { base: root, name, who, actorOf } = ownLevel(level, access, WHOSE)
  const { tag, schema, summaries: say, errors } = kind
  const base = `${root}/${kind.segment}`
  const item = `${base}/{${kind.idParam}}`
  const params = z.object({ [kind.idParam]: ContentId } as Record<K, typeof ContentId>)
  const publisher = (req: CallerFor<A>) => ({ level: levelOf(req), actorId: actorOf(req) })
  // route() types a request from its schemas; over generic schemas it cannot resolve them, so
  // these name what the schemas above guarantee
  const idOf = (req: { params: unknown }) => (req.params as Record<K, string>)[kind.idParam]
  const bodyOf = <S extends z.ZodType>(req: { body: unknown }) => req.body as z.output<S>
  return [
    route({
      operationId: `list${name}${kind.many}`,
      method: 'GET',
      path: base,
      summary: say.list(who),
      tag,
      access,
      query: PageQuery,
      response: page(schema),
      errors: errors.list,
      handle: async (req) => kind.list(levelOf(req), req.query.limit, req.query.cursor),
    }),
    route({
      operationId: `create${name}${kind.one}`,
      method: 'POST',
      path: base,
      summary: say.create(who),
      tag,
      access,
      body: kind.body,
      response: schema,
      status: 201,
      errors: errors.create,
      handle: async (req) => kind.create(publisher(req), bodyOf<B>(req)),
    }),
    route({
      operationId: `get${name}${kind.one}`,
      method: 'GET',
      path: item,
      summary: say.get(who),
      tag,
      access,
      params,
      response: schema,
      errors: errors.get,
      handle: async (req) => kind.get(levelOf(req), idOf(req)),
    }),
    route({
      operationId: `update${name}${kind.one}`,
      method: 'PATCH',
      path: item,
      summary: say.update(who),
      tag,
      access,
      params,
      body: kind.patch,
      response: schema,
      errors: errors.update,
      handle: async (req) => kind.update(publisher(req), idOf(req), bodyOf<P>(req)),
    }),
    route({
      operationId: `delete${name}${kind.one}`,
      method: 'DELETE',
      path: item,
      summary: say.delete(who),
      tag,
      access,
      params,
      response: NoContent,
      status: 204,
      errors: errors.delete,
      handle: (req) => kind.remove(publisher(req), idOf(req)),
    }),
    route({
      operationId: `publish${name}${kind.one}`,
      method: 'POST',
      path: `${item}/publish`,
      summary: say.publish(who),
      tag,
      access,
      params,
      response: schema,
      errors: errors.publish,
      handle: async (req) => kind.publish(publisher(req), idOf(req)),
    }),
    route({
      operationId: `withdraw${name}${kind.one}`,
      method: 'POST',
      path: `${item}/withdraw`,
      summary: say.withdraw(who),
      tag,
      access,
      params,
      response: schema,
      errors: errors.withdraw,
      handle: async (req) => kind.withdraw(publisher(req), idOf(req)),
    }),
  ]
}

const news: Publishable<ContentLevel, 'newsId', NewsView, typeof NewsBody, typeof NewsPatch> = {
  tag: 'News',
  segment: 'news',
  one: 'News',
  many: 'News',
  idParam: 'newsId',
  schema: NewsSchema,
  body: NewsBody,
  patch: NewsPatch,
  summaries: {
    list: (who) => `The news of ${who}, drafts included, newest first`,
    create: (who) => `Write a news item of ${who} (a draft until published)`,
    get: (who) => `A news item of ${who}`,
    update: (who) =>
      `Change a news item of ${who} (null clears summary, cover or author; a published one changes in the feed at once)`,
    delete: (who) => `Delete a news item of ${who}`,
    publish: (who) => `Publish a news item of ${who} (a draft, or a withdrawn one again)`,
    withdraw: (who) => `Withdraw a published news item of ${who} from every feed`,
  },
  errors: { publish: ['INVALID_STATE'], withdraw: ['INVALID_STATE'] },
  list: listNews,
  create: createNews,
  get: getNews,
  update: updateNews,
  remove: deleteNews,
  publish: publishNews,
  withdraw: withdrawNews,
}

const announcements: Publishable<
  AnnouncementLevel,
  'announcementId',
  AnnouncementView,
  typeof AnnouncementBody,
  typeof AnnouncementPatch
> = {
  tag: 'Announcements',
  segment: 'announcements',
  one: 'Announcement',
  many: 'Announcements',
  idParam: 'announcementId',
  schema: AnnouncementSchema,
  body: AnnouncementBody,
  patch: AnnouncementPatch,
  summaries: {
    list: (who) => `The announcements of ${who}, drafts included, newest first`,
    create: (who) => `Write an announcement of ${who} (a draft until published)`,
    get: (who) => `An announcement of ${who}`,
    update: (who) => `Change a draft announcement of ${who}`,
    delete: (who) => `Delete a draft announcement of ${who}`,
    publish: (who) =>
      `Publish a draft announcement of ${who}: every member it reaches gets it (delivered in the background)`,
    withdraw: (who) => `Withdraw a published announcement of ${who}: it leaves every member's list`,
  },
  errors: {
    update: ['INVALID_STATE'],
    delete: ['INVALID_STATE'],
    publish: ['INVALID_STATE', 'PLAN_LIMIT_EXCEEDED'],
    withdraw: ['INVALID_STATE'],
  },
  list: listAnnouncements,
  create: createAnnouncement,
  get: getAnnouncement,
  update: updateAnnouncement,
  remove: deleteAnnouncement,
  publish: publishAnnouncement,
  withdraw: withdrawAnnouncement,
}

/** A level's news categories, for its administrators. */
const categoryRoutes = <A extends Access>(
  level: LevelName,
  access: A,
  levelOf: (req: CallerFor<A>) => ContentLevel,
) => {
  const { base, name, who, actorOf } = ownLevel(level, access, WHOSE)
  const tag = 'News'
  const cats = `${base}/news-categories`
  const publisher = (req: CallerFor<A>): Publisher => ({ level: levelOf(req), actorId: actorOf(req) })
  return [
    route({
      operationId: `list${name}NewsCategories`,
      method: 'GET',
      path: cats,
      summary: `The news categories of ${who}, in display order`,
      tag,
      access,
      response: z.object({ items: z.array(CategorySchema) }),
      handle: async (req) => ({ items: await listCategories(levelOf(req)) }),
    }),
    route({
      operationId: `create${name}NewsCategory`,
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
      operationId: `update${name}NewsCategory`,
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
      operationId: `delete${name}NewsCategory`,
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
      },
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

/** A level's news and its categories. */
const newsRoutes = <A extends Access, L extends ContentLevel>(
  level: L['level'],
  access: A,
  levelOf: (req: CallerFor<A>) => L,
) => [...publishableRoutes(news, level, access, levelOf), ...categoryRoutes(level, access, levelOf)]

export const routes = [
  ...newsRoutes('platform', platform, platformLevel),
  ...newsRoutes('industry', industry, (req) => ({ level: 'industry', industry: req.caller.industry })),
  ...newsRoutes('tenant', tenantAdmin, tenantLevel),
  ...publishableRoutes(announcements, 'platform', platform, platformLevel),
  ...publishableRoutes(announcements, 'tenant', tenantAdmin, tenantLevel),
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
