import {
  BatchGetRequest,
  DeleteTransaction,
  type FormattedItem,
  PutTransaction,
  QueryCommand,
} from 'dynamodb-toolbox'
import * as z from 'zod'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { assertOwnedMedia } from '../media/owned-media.js'
import { requireCategory } from './categories.js'
import { NewsEntity, NewsHeadEntity } from './entities.js'
import { type ContentLevel, levelPartition, newContentId } from './levels.js'
import { commitWrite, type Publisher } from './publisher.js'
import { storedRichText } from './rich-text.js'
import type { NewsChange, NewsInput, NewsView } from './schemas.js'

export type NewsItem = FormattedItem<typeof NewsEntity>

/** How many of a level's published items its head keeps (a home page shows a few). */
export const HEAD_SIZE = 30

/** Feed order: pinned first, then newest first, as one string for every level (compared descending). */
export const feedSortKey = (n: Pick<NewsItem, 'pinned' | 'publishedAt' | 'newsId'>) =>
  `${n.pinned ? 1 : 0}#${n.publishedAt ?? ''}#${n.newsId}`

export const newsIndexPartition = (level: ContentLevel) => `${levelPartition(level)}#NEWS`

const HeadEntrySchema = z.object({
  newsId: z.string(),
  categoryId: z.string(),
  title: z.string(),
  summary: z.string().optional(),
  cover: z.string().optional(),
  author: z.string().optional(),
  pinned: z.boolean(),
  publishedAt: z.string(),
  sortKey: z.string(),
})
export type HeadEntry = z.infer<typeof HeadEntrySchema>

export const headEntryOf = (n: NewsItem): HeadEntry => ({
  newsId: n.newsId,
  categoryId: n.categoryId,
  title: n.title,
  summary: n.summary,
  cover: n.cover,
  author: n.author,
  pinned: n.pinned,
  publishedAt: n.publishedAt ?? n.updatedAt,
  sortKey: feedSortKey(n),
})

export const headEntriesOf = (item: { entries?: unknown } | undefined): HeadEntry[] => {
  try {
    const parsed = z.array(HeadEntrySchema).safeParse(JSON.parse(String(item?.entries ?? '[]')))
    return parsed.success ? parsed.data : []
  } catch {
    return []
  }
}

export const headRequest = (level: ContentLevel) =>
  NewsHeadEntity.build(BatchGetRequest).key({ owner: levelPartition(level) })

const bySortKeyDesc = (a: { sortKey: string }, b: { sortKey: string }) =>
  a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0

export const toNewsView = (level: ContentLevel, n: NewsItem): NewsView => ({
  newsId: n.newsId,
  level: level.level,
  categoryId: n.categoryId,
  title: n.title,
  summary: n.summary,
  cover: n.cover,
  author: n.author,
  body: storedRichText(n.body),
  pinned: n.pinned,
  status: n.status,
  createdAt: n.createdAt,
  updatedAt: n.updatedAt,
  publishedAt: n.publishedAt,
})

/** A level's news, drafts included, newest first (its administrators' list). */
export const listNews = async (level: ContentLevel, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(NewsEntity, {
    partition: levelPartition(level),
    prefix: 'NEWS#',
    limit,
    cursor,
    reverse: true,
  })
  return { items: items.map((n) => toNewsView(level, n)), nextCursor }
}

const newsRequest = (level: ContentLevel, newsId: string) =>
  NewsEntity.build(BatchGetRequest).key({ owner: levelPartition(level), newsId })

export const getNews = async (level: ContentLevel, newsId: string) => {
  const [item] = await batchGetRequests([newsRequest(level, newsId)], { consistent: true })
  if (!item) throw notFound('news')
  return toNewsView(level, item as NewsItem)
}

/** A cover that is one of our uploads must be the publisher's own, and really an image (lib/media). */
const checkCover = async (level: ContentLevel, cover: string | null | undefined) => {
  if (cover) await assertOwnedMedia(level, cover, 'body.cover')
}

export const createNews = async (p: Publisher, input: NewsInput): Promise<NewsView> => {
  await Promise.all([requireCategory(p.level, input.categoryId), checkCover(p.level, input.cover)])
  const at = nowIso()
  const item: NewsItem = {
    owner: levelPartition(p.level),
    newsId: newContentId(p.level.level),
    categoryId: input.categoryId,
    title: input.title,
    summary: input.summary,
    cover: input.cover,
    author: input.author,
    body: JSON.stringify(input.body),
    pinned: input.pinned,
    status: 'draft',
    createdAt: at,
    createdBy: p.actorId,
    updatedAt: at,
    rev: 1,
  }
  const put = NewsEntity.build(PutTransaction)
    .item(item)
    .options({ condition: { attr: 'newsId', exists: false } })
  await commitWrite(p, transaction().add('news', put), 'news.created', item.newsId)
  return toNewsView(p.level, item)
}

/**
 * The level's published items just below its head, to refill it when one leaves: the head always
 * holds the top of the index, so an indexed item above its last entry is one that just left it (the
 * index lags a moment) and is not taken back.
 */
const refill = async (level: ContentLevel, head: HeadEntry[]): Promise<HeadEntry[]> => {
  const last = head.at(-1)
  if (head.length < HEAD_SIZE || !last) return []
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(NewsEntity)
    .query({ index: 'GSI1', partition: newsIndexPartition(level), range: { lt: last.sortKey } })
    .options({ reverse: true, limit: HEAD_SIZE })
    .send()
  return Items.filter((n) => n.status === 'published').map(headEntryOf)
}

/**
 * Changes one news item and keeps its level's head in step, in one transaction conditioned on the
 * item's revision and the head's version as read: two admins' concurrent changes never leave the
 * head out of step with the items (the loser reads again and recomputes).
 */
const commitNews = (
  p: Publisher,
  newsId: string,
  action: string,
  next: (n: NewsItem) => NewsItem | undefined,
): Promise<NewsView | undefined> =>
  retryOnConflict(async () => {
    const owner = levelPartition(p.level)
    const [found, headItem] = await batchGetRequests([newsRequest(p.level, newsId), headRequest(p.level)], {
      consistent: true,
    })
    if (!found) throw notFound('news')
    const current = found as NewsItem
    const after = next(current)
    const head = headEntriesOf(headItem)
    const version = Number(headItem?.version ?? 0)
    const wasInHead = head.some((e) => e.newsId === newsId)
    const kept = head.filter((e) => e.newsId !== newsId)
    const candidates = [...kept, ...(after?.status === 'published' ? [headEntryOf(after)] : [])]
    if (wasInHead && !candidates.some((e) => e.newsId === newsId)) {
      const known = new Set(candidates.map((e) => e.newsId))
      candidates.push(
        ...(await refill(p.level, head)).filter((e) => e.newsId !== newsId && !known.has(e.newsId)),
      )
    }
    const newHead = candidates.sort(bySortKeyDesc).slice(0, HEAD_SIZE)
    const headChanged = wasInHead || newHead.some((e) => e.newsId === newsId)
    const rev = { attr: 'rev' as const, eq: current.rev }
    const tx = transaction().add(
      'news',
      after
        ? NewsEntity.build(PutTransaction)
            .item({ ...after, rev: current.rev + 1 })
            .options({ condition: rev })
        : NewsEntity.build(DeleteTransaction).key({ owner, newsId }).options({ condition: rev }),
    )
    if (headChanged) {
      tx.add(
        'head',
        NewsHeadEntity.build(PutTransaction)
          .item({ owner, entries: JSON.stringify(newHead), version: version + 1 })
          .options({
            condition: version === 0 ? { attr: 'version', exists: false } : { attr: 'version', eq: version },
          }),
      )
    }
    try {
      await commitWrite(p, tx, action, newsId)
    } catch (err) {
      if (err instanceof ConditionsFailed) throw new StaleRead('news or head changed')
      throw err
    }
    return after && toNewsView(p.level, { ...after, rev: current.rev + 1 })
  })

/** The index keys of an item as its status and pin say (only published items are in a feed). */
const indexed = (level: ContentLevel, n: NewsItem): NewsItem => {
  const { GSI1PK: _pk, GSI1SK: _sk, ...rest } = n
  return n.status === 'published'
    ? { ...rest, GSI1PK: newsIndexPartition(level), GSI1SK: feedSortKey(n) }
    : rest
}

const invalidState = (message: string) => new AppError('INVALID_STATE', message)

export const updateNews = async (p: Publisher, newsId: string, change: NewsChange) => {
  await Promise.all([
    change.categoryId === undefined ? undefined : requireCategory(p.level, change.categoryId),
    checkCover(p.level, change.cover),
  ])
  const given = Object.entries(change).filter(([, v]) => v !== undefined)
  return commitNews(p, newsId, 'news.updated', (n) => {
    const merged: Record<string, unknown> = { ...n, updatedAt: nowIso() }
    for (const [k, v] of given) {
      if (v === null) delete merged[k]
      else merged[k] = k === 'body' ? JSON.stringify(v) : v
    }
    return indexed(p.level, merged as NewsItem)
  }) as Promise<NewsView>
}

export const publishNews = (p: Publisher, newsId: string) =>
  commitNews(p, newsId, 'news.published', (n) => {
    if (n.status === 'published') throw invalidState('already published')
    const at = nowIso()
    return indexed(p.level, { ...n, status: 'published', publishedAt: at, updatedAt: at })
  }) as Promise<NewsView>

export const withdrawNews = (p: Publisher, newsId: string) =>
  commitNews(p, newsId, 'news.withdrawn', (n) => {
    if (n.status !== 'published') throw invalidState('only published news is withdrawn')
    return indexed(p.level, { ...n, status: 'withdrawn', updatedAt: nowIso() })
  }) as Promise<NewsView>

export const deleteNews = async (p: Publisher, newsId: string): Promise<void> => {
  await commitNews(p, newsId, 'news.deleted', () => undefined)
}
