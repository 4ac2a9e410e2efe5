import { boolean, Entity, item, number, string } from 'dynamodb-toolbox'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { NEWS_STATUSES } from './schemas.js'

/**
 * Content items live in their level's partition (`owner`: PLATFORM, IND#<industry>, T#<tenantId>),
 * so a tenant's content goes with its partition at release. Documents (rich text, the category
 * list, the head of published news) are stored as JSON strings and checked by their zod schema
 * again when read.
 */

/**
 * A news item. While published it is on GSI1 under `<owner>#NEWS` with sort key
 * `<1 pinned | 0>#<publishedAt>#<newsId>`: a level's feed, pinned first then newest, is one
 * descending range read, and the three levels' feeds merge by that key.
 */
export const NewsEntity = new Entity({
  name: 'News',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    newsId: string().key(),
    categoryId: string(),
    title: string(),
    summary: string().optional(),
    cover: string().optional(),
    author: string().optional(),
    body: string(),
    pinned: boolean(),
    status: string().enum(...NEWS_STATUSES),
    createdAt: string(),
    createdBy: string(),
    updatedAt: string(),
    publishedAt: string().optional(),
    /** moves on with every write: a change computed from a read is conditioned on it */
    rev: number(),
    GSI1PK: string().optional(),
    GSI1SK: string().optional(),
  }),
  computeKey: ({ owner, newsId }: { owner: string; newsId: string }) => ({ PK: owner, SK: `NEWS#${newsId}` }),
})

/** A level's news categories, all on one item (at most 50): every feed read takes them in its batch. */
export const NewsCategoriesEntity = new Entity({
  name: 'NewsCategories',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    categories: string(),
    version: number(),
  }),
  computeKey: ({ owner }: { owner: string }) => ({ PK: owner, SK: 'NEWSCATS' }),
})

/**
 * The head of a level's published news: its first entries in feed order (what a list shows, no
 * body), kept in step by every publish, withdraw, change and deletion of a published item under a
 * version condition. A member's latest news is one BatchGetItem of three heads and three category
 * items, however much news there is.
 */
export const NewsHeadEntity = new Entity({
  name: 'NewsHead',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    entries: string(),
    version: number(),
  }),
  computeKey: ({ owner }: { owner: string }) => ({ PK: owner, SK: 'NEWSHEAD' }),
})

/** An announcement (platform or tenant level), with how far its delivery has gone. */
export const AnnouncementEntity = new Entity({
  name: 'Announcement',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    announcementId: string().key(),
    title: string(),
    body: string(),
    strongReminder: boolean(),
    status: string().enum(...NEWS_STATUSES),
    createdAt: string(),
    createdBy: string(),
    updatedAt: string(),
    publishedAt: string().optional(),
    withdrawnAt: string().optional(),
    /** members it was delivered to (added by each delivery transaction) */
    recipients: number().optional(),
    /** a unified announcement's delivery: the tenant index position it finished (resumes there) */
    deliveredThrough: string().optional(),
  }),
  computeKey: ({ owner, announcementId }: { owner: string; announcementId: string }) => ({
    PK: owner,
    SK: `ANN#${announcementId}`,
  }),
})

export const RECEIPT_STATES = ['unread', 'read', 'withdrawn'] as const
export type ReceiptState = (typeof RECEIPT_STATES)[number]

/**
 * One member's copy of an announcement (the notification record), in the member's tenant whatever
 * the announcement's level. GSI1 `T#<id>#ANNREADS#<announcementId>#<U|R>` / memberId: who has read
 * it and who has not, for its publisher. GSI2 `T#<id>#INBOX#<memberId>` / `<U|R>#<publishedAt>#<id>`:
 * the member's announcements, unread first, newest first. A withdrawn one leaves both indexes.
 */
export const ReceiptEntity = new Entity({
  name: 'AnnouncementReceipt',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    announcementId: string().key(),
    memberId: string().key(),
    title: string(),
    strongReminder: boolean(),
    publishedAt: string(),
    state: string().enum(...RECEIPT_STATES),
    readAt: string().optional(),
    GSI1PK: string().optional(),
    GSI1SK: string().optional(),
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
  }),
  computeKey: ({
    tenantId,
    announcementId,
    memberId,
  }: Record<'tenantId' | 'announcementId' | 'memberId', string>) => ({
    PK: tenantPartition(tenantId),
    SK: `ANNRCPT#${announcementId}#${memberId}`,
  }),
})

export const readersPartition = (tenantId: string, announcementId: string, state: 'unread' | 'read') =>
  tenantIndexPartition(tenantId, 'ANNREADS', announcementId, state === 'read' ? 'R' : 'U')
export const inboxPartition = (tenantId: string, memberId: string) =>
  tenantIndexPartition(tenantId, 'INBOX', memberId)
export const inboxSortKey = (state: 'unread' | 'read', publishedAt: string, announcementId: string) =>
  `${state === 'read' ? 'R' : 'U'}#${publishedAt}#${announcementId}`

/**
 * An announcement's read count is split over shards (a member's shard is a hash of their id), so
 * 200 members marking it read at once do not all write one item: their transactions conflict only
 * within a shard, and those are retried.
 */
export const READ_SHARDS = 16
export const ReadShardEntity = new Entity({
  name: 'AnnouncementReads',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    announcementId: string().key(),
    shard: number().key(),
    reads: number(),
  }),
  computeKey: ({
    owner,
    announcementId,
    shard,
  }: {
    owner: string
    announcementId: string
    shard: number
  }) => ({
    PK: owner,
    SK: `ANNCOUNT#${announcementId}#${String(shard).padStart(2, '0')}`,
  }),
})

/** How many announcements a member has not read: moved in the transactions that deliver, read and withdraw. */
export const UnreadCountEntity = new Entity({
  name: 'AnnouncementUnread',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    memberId: string().key(),
    unread: number(),
  }),
  computeKey: ({ tenantId, memberId }: { tenantId: string; memberId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `ANNUNREAD#${memberId}`,
  }),
})

/** A page of the personal centre the system admin maintains (product introduction, user guide). */
export const ContentPageEntity = new Entity({
  name: 'ContentPage',
  table,
  timestamps: false,
  schema: item({
    slug: string().key(),
    title: string(),
    body: string(),
    updatedAt: string(),
    updatedBy: string(),
  }),
  computeKey: ({ slug }: { slug: string }) => ({ PK: 'PLATFORM#PAGES', SK: `PAGE#${slug}` }),
})
