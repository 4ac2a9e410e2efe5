import {
  $add,
  BatchGetRequest,
  DeleteTransaction,
  type FormattedItem,
  GetItemCommand,
  PutTransaction,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { retryOnConflict } from '../core/db/conditions.js'
import { queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import type { MemberContext } from './audience.js'
import {
  AnnouncementEntity,
  inboxPartition,
  inboxSortKey,
  READ_SHARDS,
  ReadShardEntity,
  ReceiptEntity,
  readersPartition,
  UnreadCountEntity,
} from './entities.js'
import { type ContentLevel, levelPartition, memberLevelOf, newContentId } from './levels.js'
import { commitWrite, type Publisher } from './publisher.js'
import { renderRichText, storedRichText } from './rich-text.js'
import type { AnnouncementInput, AnnouncementView, MyAnnouncement, ReadCounts } from './schemas.js'

/** Announcements are the platform's (every tenant) or a tenant's. */
export type AnnouncementLevel = Extract<ContentLevel, { level: 'platform' | 'tenant' }>
type AnnouncementItem = FormattedItem<typeof AnnouncementEntity>
type Receipt = FormattedItem<typeof ReceiptEntity>

/** The edition's app a tenant needs to publish its own announcements (unified ones reach everyone). */
export const ANNOUNCEMENTS_APP = 'announcements'

const toView = (level: AnnouncementLevel, a: AnnouncementItem): AnnouncementView => ({
  announcementId: a.announcementId,
  level: level.level,
  title: a.title,
  body: storedRichText(a.body),
  strongReminder: a.strongReminder,
  status: a.status,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
  publishedAt: a.publishedAt,
  withdrawnAt: a.withdrawnAt,
})

export const announcementRequest = (owner: string, announcementId: string) =>
  AnnouncementEntity.build(BatchGetRequest).key({ owner, announcementId })

export const readAnnouncement = async (owner: string, announcementId: string) => {
  const { Item } = await AnnouncementEntity.build(GetItemCommand)
    .key({ owner, announcementId })
    .options({ consistent: true })
    .send()
  return Item
}

const found = async (level: AnnouncementLevel, id: string) => {
  const a = await readAnnouncement(levelPartition(level), id)
  if (!a) throw notFound('announcement')
  return a
}

export const listAnnouncements = async (level: AnnouncementLevel, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(AnnouncementEntity, {
    partition: levelPartition(level),
    prefix: 'ANN#',
    limit,
    cursor,
    reverse: true,
  })
  return { items: items.map((a) => toView(level, a)), nextCursor }
}

export const getAnnouncement = async (level: AnnouncementLevel, id: string) =>
  toView(level, await found(level, id))

export const createAnnouncement = async (
  p: Publisher & { level: AnnouncementLevel },
  input: AnnouncementInput,
) => {
  const at = nowIso()
  const item: AnnouncementItem = {
    owner: levelPartition(p.level),
    announcementId: newContentId(p.level.level),
    title: input.title,
    body: JSON.stringify(input.body),
    strongReminder: input.strongReminder,
    status: 'draft',
    createdAt: at,
    createdBy: p.actorId,
    updatedAt: at,
  }
  const put = AnnouncementEntity.build(PutTransaction)
    .item(item)
    .options({ condition: { attr: 'announcementId', exists: false } })
  await commitWrite(p, transaction().add('announcement', put), 'announcement.created', item.announcementId)
  return toView(p.level, item)
}

const invalidState = (message: string) => () => new AppError('INVALID_STATE', message)
const DRAFT_ONLY = 'a published announcement does not change: withdraw it and publish another'

/** A draft's fields change (what members received is never rewritten under them). */
export const updateAnnouncement = async (
  p: Publisher & { level: AnnouncementLevel },
  id: string,
  change: Partial<AnnouncementInput>,
) => {
  const a = await found(p.level, id)
  if (a.status !== 'draft') throw invalidState(DRAFT_ONLY)()
  const next = {
    ...a,
    ...(change.title === undefined ? {} : { title: change.title }),
    ...(change.body === undefined ? {} : { body: JSON.stringify(change.body) }),
    ...(change.strongReminder === undefined ? {} : { strongReminder: change.strongReminder }),
    updatedAt: nowIso(),
  }
  const put = AnnouncementEntity.build(PutTransaction)
    .item(next)
    .options({ condition: { attr: 'status', eq: 'draft' } })
  await commitWrite(p, transaction().add('draft', put), 'announcement.updated', id, {
    draft: invalidState(DRAFT_ONLY),
  })
  return toView(p.level, next)
}

export const deleteAnnouncement = async (p: Publisher & { level: AnnouncementLevel }, id: string) => {
  const a = await found(p.level, id)
  if (a.status !== 'draft') throw invalidState('only a draft is deleted; withdraw a published one')()
  const del = AnnouncementEntity.build(DeleteTransaction)
    .key({ owner: a.owner, announcementId: id })
    .options({ condition: { attr: 'status', eq: 'draft' } })
  await commitWrite(p, transaction().add('draft', del), 'announcement.deleted', id, {
    draft: invalidState('only a draft is deleted'),
  })
}

/**
 * Publishes a draft. Delivery to the members (a receipt each, and their unread count) follows from
 * the table's stream (functions/content-events), so publishing to thousands answers at once. A
 * tenant publishes only while its edition's announcements app is bound and active, checked in the
 * same transaction.
 */
export const publishAnnouncement = async (p: Publisher & { level: AnnouncementLevel }, id: string) => {
  const a = await found(p.level, id)
  if (a.status !== 'draft') throw invalidState('only a draft is published')()
  const at = nowIso()
  const tx = transaction().add(
    'draft',
    AnnouncementEntity.build(UpdateTransaction)
      .item({ owner: a.owner, announcementId: id, status: 'published', publishedAt: at, updatedAt: at })
      .options({ condition: { attr: 'status', eq: 'draft' } }),
  )
  if (p.level.level === 'tenant')
    tx.add('edition', tenantAppStill(p.level.tenantId, ANNOUNCEMENTS_APP, 'active'))
  await commitWrite(p, tx, 'announcement.published', id, {
    edition: () =>
      new AppError('PLAN_LIMIT_EXCEEDED', "the workbench's edition does not include announcements", {
        app: ANNOUNCEMENTS_APP,
      }),
    draft: invalidState('only a draft is published'),
  })
  return toView(p.level, { ...a, status: 'published', publishedAt: at, updatedAt: at })
}

/** Withdraws a published announcement: it leaves every recipient's list (through the stream, like delivery). */
export const withdrawAnnouncement = async (p: Publisher & { level: AnnouncementLevel }, id: string) => {
  const a = await found(p.level, id)
  if (a.status !== 'published') throw invalidState('only a published announcement is withdrawn')()
  const at = nowIso()
  await commitWrite(
    p,
    transaction().add(
      'published',
      AnnouncementEntity.build(UpdateTransaction)
        .item({ owner: a.owner, announcementId: id, status: 'withdrawn', withdrawnAt: at, updatedAt: at })
        .options({ condition: { attr: 'status', eq: 'published' } }),
    ),
    'announcement.withdrawn',
    id,
    { published: invalidState('only a published announcement is withdrawn') },
  )
  return toView(p.level, { ...a, status: 'withdrawn', withdrawnAt: at, updatedAt: at })
}

/** A member's shard of an announcement's read count: spread by a hash of the member's id. */
const shardOf = (memberId: string) => {
  let h = 0
  for (const c of memberId) h = (h * 31 + c.charCodeAt(0)) >>> 0
  return h % READ_SHARDS
}

/** Exact counts: the announcement's recipients and its read shards, in one BatchGetItem. */
export const readCounts = async (level: AnnouncementLevel, id: string): Promise<ReadCounts> => {
  const owner = levelPartition(level)
  const [a, ...shards] = await batchGetRequests(
    [
      announcementRequest(owner, id),
      ...Array.from({ length: READ_SHARDS }, (_, shard) =>
        ReadShardEntity.build(BatchGetRequest).key({ owner, announcementId: id, shard }),
      ),
    ],
    { consistent: true },
  )
  if (!a) throw notFound('announcement')
  const recipients = Number(a.recipients ?? 0)
  const read = shards.reduce((n, s) => n + Number(s?.reads ?? 0), 0)
  return { recipients, read, unread: recipients - read }
}

/** Who has read a tenant's announcement, or who has not, a page at a time, with the counts. */
export const announcementReaders = async (
  level: Extract<AnnouncementLevel, { level: 'tenant' }>,
  id: string,
  state: 'read' | 'unread',
  limit: number,
  cursor?: string,
) => {
  const counts = await readCounts(level, id)
  const { items, nextCursor } = await queryPage(ReceiptEntity, {
    index: 'GSI1',
    partition: readersPartition(level.tenantId, id, state),
    limit,
    cursor,
  })
  return { counts, items: items.map((r) => ({ memberId: r.memberId, readAt: r.readAt })), nextCursor }
}

const mine = (r: Receipt): MyAnnouncement => ({
  announcementId: r.announcementId,
  level: r.announcementId.startsWith('p') ? 'platform' : 'tenant',
  title: r.title,
  strongReminder: r.strongReminder,
  publishedAt: r.publishedAt,
  read: r.state === 'read',
  readAt: r.readAt,
})

/**
 * A member's announcements (unread first, newest first; or only the unread) with their exact unread
 * count: one query of their inbox and one read of their counter, in parallel.
 */
/** A page of a member's announcements, unread only or all, newest first. */
export const inboxPage = async (m: MemberContext, unreadOnly: boolean, limit: number, cursor?: string) => {
  const list = await queryPage(ReceiptEntity, {
    index: 'GSI2',
    partition: inboxPartition(m.tenant.tenantId, m.memberId),
    prefix: unreadOnly ? 'U#' : undefined,
    limit,
    cursor,
    reverse: true,
  })
  return { items: list.items.map(mine), nextCursor: list.nextCursor }
}

/** A member's unread count, for a batch read (the home page's). */
export const unreadCountRequest = (m: MemberContext) =>
  UnreadCountEntity.build(BatchGetRequest).key({ tenantId: m.tenant.tenantId, memberId: m.memberId })

export const unreadCountOf = (item: Record<string, unknown> | undefined): number =>
  (item?.unread as number | undefined) ?? 0

/** A member's announcements and their unread count: two requests in parallel. */
export const myAnnouncements = async (
  m: MemberContext,
  unreadOnly: boolean,
  limit: number,
  cursor?: string,
) => {
  const [page, [counter]] = await Promise.all([
    inboxPage(m, unreadOnly, limit, cursor),
    batchGetRequests([unreadCountRequest(m)], { consistent: true }),
  ])
  return { ...page, unreadCount: unreadCountOf(counter) }
}

const receiptRequest = (m: MemberContext, id: string) =>
  ReceiptEntity.build(BatchGetRequest).key({
    tenantId: m.tenant.tenantId,
    announcementId: id,
    memberId: m.memberId,
  })

/** An announcement as its recipient reads it; 404 for anyone it was not delivered to, or once withdrawn. */
export const memberAnnouncement = async (m: MemberContext, id: string) => {
  const owner = levelPartition(memberLevelOf(id, { tenantId: m.tenant.tenantId, industry: m.industry }))
  const [r, a] = await batchGetRequests([receiptRequest(m, id), announcementRequest(owner, id)])
  const receipt = r as Receipt | undefined
  if (!receipt || receipt.state === 'withdrawn' || !a || a.status !== 'published')
    throw notFound('announcement')
  const body = storedRichText(String(a.body))
  return { ...mine(receipt), body, html: renderRichText(body) }
}

/**
 * Marks an announcement read, once: the receipt moves from unread to read (its condition), the
 * member's unread count goes down and the read count's shard up, in one transaction (after one
 * read of the receipt, whose publication time orders the member's list). Marking it again changes
 * nothing (200 all the same). Members marking the same announcement at once meet only within a
 * shard; a transaction that conflicts is retried with jitter, so every mark counts exactly once.
 */
export const markRead = async (m: MemberContext, id: string) => {
  const { tenantId } = m.tenant
  const key = { tenantId, announcementId: id, memberId: m.memberId }
  const { Item: receipt } = await ReceiptEntity.build(GetItemCommand)
    .key(key)
    .options({ consistent: true })
    .send()
  if (!receipt || receipt.state === 'withdrawn') throw notFound('announcement')
  if (receipt.state === 'read') return { announcementId: id, read: true as const, readAt: receipt.readAt }
  const owner = levelPartition(memberLevelOf(id, { tenantId, industry: m.industry }))
  const readAt = nowIso()
  try {
    await retryOnConflict(
      () =>
        transaction()
          .add(
            'unread',
            ReceiptEntity.build(UpdateTransaction)
              .item({
                ...key,
                state: 'read',
                readAt,
                GSI1PK: readersPartition(tenantId, id, 'read'),
                GSI2SK: inboxSortKey('read', receipt.publishedAt, id),
              })
              .options({ condition: { attr: 'state', eq: 'unread' } }),
          )
          .add(
            'counter',
            UnreadCountEntity.build(UpdateTransaction).item({
              tenantId,
              memberId: m.memberId,
              unread: $add(-1),
            }),
          )
          .add(
            'shard',
            ReadShardEntity.build(UpdateTransaction).item({
              owner,
              announcementId: id,
              shard: shardOf(m.memberId),
              reads: $add(1),
            }),
          )
          .run(),
      30,
    )
  } catch (err) {
    if (!(err instanceof ConditionsFailed)) throw err
    // read meanwhile (a second tap), or withdrawn meanwhile
    const { Item } = await ReceiptEntity.build(GetItemCommand).key(key).options({ consistent: true }).send()
    if (Item?.state !== 'read') throw notFound('announcement')
    return { announcementId: id, read: true as const, readAt: Item.readAt }
  }
  return { announcementId: id, read: true as const, readAt }
}
