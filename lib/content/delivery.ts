import { $add, $remove, PutTransaction, UpdateItemCommand, UpdateTransaction } from 'dynamodb-toolbox'
import { mapLimit } from '../core/concurrency.js'
import { retryOnConflict } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import type { ItemChange } from '../core/stream-function.js'
import { MembershipEntity } from '../identity/entities.js'
import { listTenants } from '../tenants/views.js'
import { readAnnouncement } from './announcements.js'
import {
  AnnouncementEntity,
  inboxPartition,
  inboxSortKey,
  ReceiptEntity,
  readersPartition,
  UnreadCountEntity,
} from './entities.js'

interface Published {
  owner: string
  announcementId: string
  title: string
  strongReminder: boolean
  publishedAt: string
}

/** Members a delivery transaction takes: two writes each, and the recipients count. */
const DELIVERY_CHUNK = 49

const receiptWrite = (tenantId: string, a: Published, memberId: string) =>
  ReceiptEntity.build(PutTransaction)
    .item({
      tenantId,
      announcementId: a.announcementId,
      memberId,
      title: a.title,
      strongReminder: a.strongReminder,
      publishedAt: a.publishedAt,
      state: 'unread',
      GSI1PK: readersPartition(tenantId, a.announcementId, 'unread'),
      GSI1SK: memberId,
      GSI2PK: inboxPartition(tenantId, memberId),
      GSI2SK: inboxSortKey('unread', a.publishedAt, a.announcementId),
    })
    .options({ condition: { attr: 'memberId', exists: false } })

const unreadMove = (tenantId: string, memberId: string, by: number) =>
  UnreadCountEntity.build(UpdateTransaction).item({ tenantId, memberId, unread: $add(by) })

const recipientsAdd = (a: Published, n: number) =>
  AnnouncementEntity.build(UpdateTransaction).item({
    owner: a.owner,
    announcementId: a.announcementId,
    recipients: $add(n),
  })

/**
 * A receipt for each member, with their unread count and the announcement's recipients, in
 * transactions of 49 members. A receipt that exists already (a delivery run again) fails its chunk,
 * which is then delivered member by member, skipping those who have it: each member counts once.
 */
const deliverChunk = async (tenantId: string, a: Published, memberIds: string[]) => {
  const tx = transaction()
  for (const id of memberIds)
    tx.add('receipt', receiptWrite(tenantId, a, id)).add('counter', unreadMove(tenantId, id, 1))
  tx.add('recipients', recipientsAdd(a, memberIds.length))
  try {
    await retryOnConflict(() => tx.run())
  } catch (err) {
    if (!(err instanceof ConditionsFailed)) throw err
    for (const id of memberIds) {
      await retryOnConflict(() =>
        transaction()
          .add('receipt', receiptWrite(tenantId, a, id))
          .add('counter', unreadMove(tenantId, id, 1))
          .add('recipients', recipientsAdd(a, 1))
          .run(),
      ).catch((e) => {
        if (!(e instanceof ConditionsFailed)) throw e
      })
    }
  }
}

/** Every active member of a tenant gets the announcement (a page of memberships at a time). */
const deliverToTenant = async (tenantId: string, a: Published) => {
  let cursor: string | undefined
  do {
    const page = await queryPage(MembershipEntity, {
      partition: tenantPartition(tenantId),
      prefix: 'MEMBER#',
      limit: 500,
      cursor,
    })
    const ids = page.items.filter((m) => m.status === 'active').map((m) => m.accountId)
    for (let i = 0; i < ids.length; i += DELIVERY_CHUNK)
      await deliverChunk(tenantId, a, ids.slice(i, i + DELIVERY_CHUNK))
    cursor = page.nextCursor
  } while (cursor)
}

/**
 * Every tenant a change reaches: the announcement's own, or for a unified one every tenant listed
 * by status on the tenants' index (never a scan), a page at a time; after each page the position is
 * kept on the announcement, so a delivery cut short resumes after the last page it finished.
 */
const eachTenant = async (
  a: { owner: string; announcementId: string; deliveredThrough?: string },
  status: 'active' | undefined,
  act: (tenantId: string) => Promise<void>,
) => {
  if (a.owner !== 'PLATFORM') return act(a.owner.slice(tenantPartition('').length))
  let cursor = status ? a.deliveredThrough : undefined
  do {
    const page = await listTenants({ status, limit: 100, cursor })
    for (const t of page.items) await act(t.tenantId)
    cursor = page.nextCursor
    if (status && cursor) {
      await AnnouncementEntity.build(UpdateItemCommand)
        .item({ owner: a.owner, announcementId: a.announcementId, deliveredThrough: cursor })
        .send()
    }
  } while (cursor)
}

/**
 * Takes a withdrawn announcement out of each recipient's list, and out of the unread ones' count.
 * A receipt read meanwhile fails its condition: the batch is retried and sees it read.
 */
const recallInTenant = async (tenantId: string, announcementId: string) => {
  let cursor: string | undefined
  do {
    const page = await queryPage(ReceiptEntity, {
      partition: tenantPartition(tenantId),
      prefix: `ANNRCPT#${announcementId}#`,
      limit: 500,
      cursor,
      consistent: true,
    })
    await mapLimit(
      page.items.filter((r) => r.state !== 'withdrawn'),
      8,
      (r) =>
        retryOnConflict(() =>
          transaction()
            .add(
              'receipt',
              ReceiptEntity.build(UpdateTransaction)
                .item({
                  tenantId,
                  announcementId,
                  memberId: r.memberId,
                  state: 'withdrawn',
                  GSI1PK: $remove(),
                  GSI1SK: $remove(),
                  GSI2PK: $remove(),
                  GSI2SK: $remove(),
                })
                .options({ condition: { attr: 'state', eq: r.state } }),
            )
            .add('counter', ...(r.state === 'unread' ? [unreadMove(tenantId, r.memberId, -1)] : []))
            .run(),
        ),
    )
    cursor = page.nextCursor
  } while (cursor)
}

/** The announcement changes the stream brings that mean work: a publication, a withdrawal. */
export const concernsDelivery = (c: ItemChange): boolean =>
  c.sk.startsWith('ANN#') &&
  ((c.after?.status === 'published' && c.before?.status !== 'published') ||
    (c.after?.status === 'withdrawn' && c.before?.status === 'published'))

/**
 * Delivers what was published and recalls what was withdrawn, in stream order. Both are idempotent
 * (receipts are put once, a recall moves each receipt once), so a retried batch repeats nothing.
 */
export const applyDeliveries = async (_part: string, changes: ItemChange[]): Promise<string> => {
  let delivered = 0
  let recalled = 0
  for (const c of changes) {
    const announcementId = String(c.after?.announcementId ?? '')
    const a = await readAnnouncement(c.pk, announcementId)
    if (!a) continue
    if (c.after?.status === 'published') {
      // withdrawn since: its recall follows in this stream and finds nothing to take back
      if (a.status !== 'published' || !a.publishedAt) continue
      const published: Published = { ...a, publishedAt: a.publishedAt }
      await eachTenant(a, 'active', (tenantId) => deliverToTenant(tenantId, published))
      delivered++
    } else {
      await eachTenant(a, undefined, (tenantId) => recallInTenant(tenantId, announcementId))
      recalled++
    }
  }
  return `delivered=${delivered} recalled=${recalled}`
}
