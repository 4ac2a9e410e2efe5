import { BatchGetRequest, QueryCommand } from 'dynamodb-toolbox'
import * as z from 'zod'
import { batchGetRequests } from '../core/db/batch-get.js'
import { invalidCursor } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { notFound } from '../core/errors.js'
import { type MemberContext, visibleCategories } from './audience.js'
import { categoriesOf, categoriesRequest } from './categories.js'
import { NewsEntity } from './entities.js'
import { type ContentLevel, type LevelName, levelPartition, memberLevelOf } from './levels.js'
import {
  feedSortKey,
  type HeadEntry,
  headEntriesOf,
  headEntryOf,
  headRequest,
  type NewsItem,
  newsIndexPartition,
} from './news.js'
import { renderRichText, storedRichText } from './rich-text.js'
import type { Category, FeedItem } from './schemas.js'

/** The three sources of a member's news, in one fixed order. */
const levelsOf = (m: MemberContext): ContentLevel[] => [
  { level: 'platform' },
  { level: 'industry', industry: m.industry },
  { level: 'tenant', tenantId: m.tenant.tenantId },
]

type Shown = Map<string, Category>

/** Each level's categories the member may read, keyed by level and id (ids are per level). */
const shownCategories = async (
  m: MemberContext,
  levels: ContentLevel[],
  items: unknown[],
): Promise<Shown> => {
  const perLevel = levels.map((l, i) => ({
    l,
    categories: categoriesOf(items[i] as { categories?: unknown }),
  }))
  const visible = await visibleCategories(
    m,
    perLevel.flatMap((x) => x.categories),
  )
  return new Map(
    perLevel.flatMap(({ l, categories }) =>
      categories
        .filter((c) => visible.has(c.categoryId))
        .map((c) => [`${l.level}:${c.categoryId}`, c] as const),
    ),
  )
}

/** A list entry as the member sees it: its category and only the fields the category shows. */
const feedItem = (level: LevelName, e: HeadEntry, category: Category): FeedItem => {
  const show = new Set(category.fields)
  return {
    newsId: e.newsId,
    level,
    category: { categoryId: category.categoryId, name: category.name },
    title: e.title,
    pinned: e.pinned,
    summary: show.has('summary') ? e.summary : undefined,
    cover: show.has('cover') ? e.cover : undefined,
    author: show.has('author') ? e.author : undefined,
    publishedAt: show.has('publishedAt') ? e.publishedAt : undefined,
  }
}

const visibleItems = (entries: { level: LevelName; entry: HeadEntry }[], shown: Shown) =>
  entries.flatMap(({ level, entry }) => {
    const category = shown.get(`${level}:${entry.categoryId}`)
    return category ? [feedItem(level, entry, category)] : []
  })

const bySortKeyDesc = (a: { sortKey: string }, b: { sortKey: string }) =>
  a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0

/** What a member's latest news is read from: the three levels' heads and categories (one batch). */
export const latestNewsRequests = (m: MemberContext) => {
  const levels = levelsOf(m)
  return [...levels.map(headRequest), ...levels.map(categoriesRequest)]
}

/**
 * A member's latest news from the three levels, pinned first then newest, from the items of
 * `latestNewsRequests` (the home page batches them with its other reads): only when a tenant
 * category is narrowed to groups or departments the member's roles and direct departments do not
 * settle, one parallel round of the member's groups and the department tree. At most `HEAD_SIZE`
 * items of each level are considered.
 */
export const latestNewsFrom = async (
  m: MemberContext,
  items: (Record<string, unknown> | undefined)[],
  n: number,
): Promise<FeedItem[]> => {
  const levels = levelsOf(m)
  const shown = await shownCategories(m, levels, items.slice(levels.length))
  const entries = levels
    .flatMap((l, i) =>
      headEntriesOf(items[i]).map((entry) => ({ level: l.level, entry, sortKey: entry.sortKey })),
    )
    .sort(bySortKeyDesc)
  return visibleItems(entries, shown).slice(0, n)
}

export const latestNews = async (m: MemberContext, n: number): Promise<FeedItem[]> =>
  latestNewsFrom(m, await batchGetRequests(latestNewsRequests(m)), n)

const SortKey = z.string().regex(/^[01]#\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z#[pit][0-9a-z]{26}$/)
/** Where each source stands: absent = from its start, a sort key = after it, null = done. */
const FeedCursor = z
  .object({ platform: SortKey.nullable(), industry: SortKey.nullable(), tenant: SortKey.nullable() })
  .partial()
  .strict()
type FeedCursor = z.infer<typeof FeedCursor>

const decodeFeedCursor = (cursor: string | undefined): FeedCursor => {
  if (cursor === undefined) return {}
  try {
    const parsed = FeedCursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')))
    if (parsed.success) return parsed.data
  } catch {
    // refused below like any other malformed cursor
  }
  throw invalidCursor()
}

const newsIdOf = (sortKey: string) => sortKey.slice(sortKey.lastIndexOf('#') + 1)

/** One page of a level's published news after a position (its index partition is the level's own). */
const levelPage = async (l: ContentLevel, after: string | undefined, limit: number) => {
  const { Items = [], LastEvaluatedKey } = await table
    .build(QueryCommand)
    .entities(NewsEntity)
    .query({ index: 'GSI1', partition: newsIndexPartition(l) })
    .options({
      reverse: true,
      limit,
      exclusiveStartKey: after
        ? {
            GSI1PK: newsIndexPartition(l),
            GSI1SK: after,
            PK: levelPartition(l),
            SK: `NEWS#${newsIdOf(after)}`,
          }
        : undefined,
    })
    .send()
  return {
    items: Items.filter((n) => n.status === 'published') as NewsItem[],
    more: LastEvaluatedKey !== undefined,
  }
}

/**
 * A member's news feed: the platform's, their industry's and their tenant's published news merged
 * into one list, pinned first then newest. Each page reads the three levels' next pages in
 * parallel (after where the cursor left each) with their categories, takes the first `limit` of the
 * merge and moves each source's position past what it gave. Items of categories the member may not
 * read are left out, so a page may hold fewer than `limit`; `nextCursor` is there while any source
 * has more.
 */
export const memberFeed = async (m: MemberContext, limit: number, cursor?: string) => {
  const at = decodeFeedCursor(cursor)
  const levels = levelsOf(m)
  const [categoryItems, ...pages] = await Promise.all([
    batchGetRequests(levels.map(categoriesRequest)),
    ...levels.map((l) =>
      at[l.level] === null ? { items: [], more: false } : levelPage(l, at[l.level] ?? undefined, limit),
    ),
  ])
  const merged = levels
    .flatMap((l, i) =>
      (pages[i]?.items ?? []).map((n) => ({
        level: l.level,
        entry: headEntryOf(n),
        sortKey: feedSortKey(n),
      })),
    )
    .sort(bySortKeyDesc)
  const taken = merged.slice(0, limit)
  const next: FeedCursor = {}
  levels.forEach((l, i) => {
    const page = pages[i] as { items: NewsItem[]; more: boolean }
    const mine = taken.filter((t) => t.level === l.level)
    const allTaken = mine.length === page.items.length
    const last = mine.at(-1)?.sortKey ?? at[l.level]
    next[l.level] = allTaken && !page.more ? null : (last ?? undefined)
  })
  const done = levels.every((l) => next[l.level] === null)
  const shown = await shownCategories(m, levels, categoryItems)
  return {
    items: visibleItems(taken, shown),
    nextCursor: done ? undefined : Buffer.from(JSON.stringify(next)).toString('base64url'),
  }
}

/**
 * One news item as a member reads it, or 404 when it is not theirs to read (another tenant's or
 * industry's, a draft, withdrawn, or in a category they may not read): one BatchGetItem of the item
 * and its level's categories.
 */
export const memberNews = async (m: MemberContext, newsId: string) => {
  const level = memberLevelOf(newsId, { tenantId: m.tenant.tenantId, industry: m.industry })
  const [found, cats] = await batchGetRequests([
    NewsEntity.build(BatchGetRequest).key({ owner: levelPartition(level), newsId }),
    categoriesRequest(level),
  ])
  const n = found as NewsItem | undefined
  if (!n) throw notFound('news')
  if (n.status !== 'published') throw notFound('news')
  const shown = await shownCategories(m, [level], [cats])
  const category = shown.get(`${level.level}:${n.categoryId}`)
  if (!category) throw notFound('news')
  const body = storedRichText(n.body)
  return { ...feedItem(level.level, headEntryOf(n), category), body, html: renderRichText(body) }
}
