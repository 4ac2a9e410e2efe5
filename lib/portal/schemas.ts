import * as z from 'zod'
import { LinkUrl, WebUrl } from '../core/http/address-schemas.js'
import { Iso, LevelName } from '../core/http/schemas.js'
import { TextLine } from '../core/http/text-line.js'

export const CHANNELS = ['web', 'mobile'] as const
export const Channel = z.enum(CHANNELS).meta({ description: 'the front end a portal is for' })
export type Channel = z.infer<typeof Channel>

/** A serialised portal stays far under DynamoDB's 400 KB item, which holds a draft and a published one. */
export const MAX_PORTAL_BYTES = 64_000

const Title = TextLine(80)

/** A name within the portal that menus point to: lower case letters, digits and dashes. */
const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower case letters, digits and dashes, 1 to 40')

const Ids = z.array(z.string().min(1).max(64)).max(50)

/**
 * Who sees an entry: members of any of the departments (a member's own departments, not the
 * departments above them), any of the groups, or holding any of the roles. None given: everyone.
 */
export const Visibility = z
  .object({ departments: Ids.optional(), groups: Ids.optional(), roles: Ids.optional() })
  .strict()
  .meta({ id: 'PortalVisibility' })
export type Visibility = z.infer<typeof Visibility>

const base = { id: Slug, title: Title.optional(), visibility: Visibility.optional() }
const Limit = z.number().int().min(1).max(20).default(5)

export const WIDGET_TYPES = [
  'myApps',
  'appGroup',
  'newsList',
  'announcementList',
  'schedule',
  'todos',
  'links',
  'banner',
] as const

export const Widget = z
  .discriminatedUnion('type', [
    z.object({ ...base, type: z.literal('myApps') }).strict(),
    z.object({ ...base, type: z.literal('appGroup'), groupId: z.string().min(1).max(64) }).strict(),
    z.object({ ...base, type: z.literal('newsList'), limit: Limit }).strict(),
    z.object({ ...base, type: z.literal('announcementList'), limit: Limit }).strict(),
    z.object({ ...base, type: z.literal('schedule') }).strict(),
    z.object({ ...base, type: z.literal('todos'), limit: Limit }).strict(),
    z
      .object({
        ...base,
        type: z.literal('links'),
        links: z
          .array(z.object({ title: Title, url: LinkUrl }).strict())
          .min(1)
          .max(20),
      })
      .strict(),
    z
      .object({
        ...base,
        type: z.literal('banner'),
        slides: z
          .array(
            z
              .object({
                image: WebUrl.meta({ description: 'an absolute https URL (http only for localhost)' }),
                link: LinkUrl.optional(),
                alt: Title.optional(),
              })
              .strict(),
          )
          .min(1)
          .max(10),
      })
      .strict(),
  ])
  .meta({ id: 'PortalWidget' })
export type Widget = z.infer<typeof Widget>

const Page = z
  .object({ ...base, title: Title, widgets: z.array(Widget).max(30) })
  .strict()
  .meta({ id: 'PortalPage' })

const menuBase = {
  ...base,
  title: Title,
  icon: Slug.optional(),
  /** the page it opens (a page's id), or an address */
  page: Slug.optional(),
  url: LinkUrl.optional(),
}
const MenuLeaf = z.object(menuBase).strict()
const MenuItem = z
  .object({ ...menuBase, children: z.array(MenuLeaf).max(20).optional() })
  .strict()
  .meta({ id: 'PortalMenuItem' })
export type MenuItem = z.infer<typeof MenuItem>

const duplicates = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i)

/**
 * A portal for one channel: its pages (each a list of widgets) and its menu (two levels). Ids are
 * unique within the portal, a menu entry opens a page of it or an address (not both), the first
 * page is the home page (seen by everyone), and the whole stays under MAX_PORTAL_BYTES serialised.
 */
export const PortalSchema = z
  .object({
    pages: z.array(Page).min(1).max(20),
    menus: z.array(MenuItem).max(30).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const pageIds = p.pages.map((x) => x.id)
    type Path = (string | number)[]
    const ids: { id: string; path: Path }[] = p.pages.flatMap((page, i) => [
      { id: page.id, path: ['pages', i, 'id'] },
      ...page.widgets.map((w, j) => ({ id: w.id, path: ['pages', i, 'widgets', j, 'id'] })),
    ])
    const menus: { m: z.infer<typeof MenuLeaf>; children: number; path: Path }[] = p.menus.flatMap((m, i) => [
      { m, children: m.children?.length ?? 0, path: ['menus', i] },
      ...(m.children ?? []).map((c, j) => ({ m: c, children: 0, path: ['menus', i, 'children', j] })),
    ])
    ids.push(...menus.map(({ m, path }) => ({ id: m.id, path: [...path, 'id'] })))
    const dup = new Set(duplicates(ids.map((e) => e.id)))
    for (const e of ids) {
      if (dup.has(e.id)) ctx.addIssue({ code: 'custom', path: e.path, message: `id ${e.id} is used twice` })
    }
    for (const { m, children, path } of menus) {
      if (m.page !== undefined && m.url !== undefined) {
        ctx.addIssue({ code: 'custom', path, message: 'opens a page or an address, not both' })
      } else if (m.page === undefined && m.url === undefined && children === 0) {
        ctx.addIssue({ code: 'custom', path, message: 'needs a page, an address or children' })
      }
      if (m.page !== undefined && !pageIds.includes(m.page)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'page'], message: `no page ${m.page}` })
      }
    }
    if (p.pages[0]?.visibility) {
      ctx.addIssue({
        code: 'custom',
        path: ['pages', 0, 'visibility'],
        message: 'the home page is everyone’s',
      })
    }
    const size = Buffer.byteLength(JSON.stringify(p))
    if (size > MAX_PORTAL_BYTES) {
      ctx.addIssue({ code: 'custom', path: [], message: `${size} bytes; at most ${MAX_PORTAL_BYTES}` })
    }
  })
  .meta({ id: 'Portal' })
export type Portal = z.infer<typeof PortalSchema>

export const ChannelParams = z.object({ channel: Channel })
export const ChannelQuery = z.object({ channel: Channel.default('web') })

/** Where a level's effective portal comes from: itself, what it inherits, or the built-in default. */
export const PortalSource = z.enum(['tenant', 'industry', 'platform', 'default'])
export type PortalSource = z.infer<typeof PortalSource>

/** One level's portal for a channel, as its administrator sees it. */
export const PortalViewSchema = z
  .object({
    level: LevelName,
    channel: Channel,
    /** the level's work in progress (null: none yet) */
    draft: PortalSchema.nullable(),
    draftUpdatedAt: Iso.optional(),
    /** the level's own published portal (null: it publishes none and inherits) */
    published: PortalSchema.nullable(),
    /** the published version (0: never published); versions only grow, a rollback publishes anew */
    version: z.number().int().min(0),
    publishedAt: Iso.optional(),
    /** what members of this level see: its own published portal, else what it inherits */
    effective: PortalSchema,
    /** where `effective` comes from: this level, a level above, or the built-in default */
    effectiveFrom: PortalSource,
    /** a tenant only: whether its edition lets it customise (else it shows its industry's) */
    customisable: z.boolean(),
  })
  .meta({ id: 'PortalView' })
export type PortalView = z.infer<typeof PortalViewSchema>

export const PortalVersionSchema = z
  .object({
    version: z.number().int().min(1),
    publishedAt: Iso,
    /** `account:<id>` or `seed` */
    publishedBy: z.string(),
    /** a rollback: the version whose portal it published again */
    restoredFrom: z.number().int().min(1).optional(),
    portal: PortalSchema,
  })
  .meta({ id: 'PortalVersion' })
export type PortalVersion = z.infer<typeof PortalVersionSchema>

export const RollbackBody = z
  .object({
    /** the version to publish again (default: the one before the version now live) */
    toVersion: z.number().int().min(1).optional(),
  })
  .strict()

/** What a member's front end renders: the effective portal with what they may not see left out. */
export const MemberPortalSchema = z
  .object({
    channel: Channel,
    from: PortalSource,
    version: z.number().int().min(0),
    portal: PortalSchema,
  })
  .meta({ id: 'MemberPortal' })
export type MemberPortal = z.infer<typeof MemberPortalSchema>
