import { Entity, item, number, PutTransaction, string } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'

/** A notice for the tenant administrators (e.g. "expires in 7 days"); the id makes it once-only. */
const NoticeEntity = new Entity({
  name: 'Notice',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    noticeId: string().key(),
    kind: string(),
    at: string(),
    expiresAt: string().optional(),
    daysBefore: number().optional(),
  }),
  computeKey: ({ tenantId, noticeId }: { tenantId: string; noticeId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `NOTICE#${noticeId}`,
  }),
})

export const expiryNoticeWrite = (tenantId: string, expiresAt: string, daysBefore: number) =>
  NoticeEntity.build(PutTransaction)
    .item({
      tenantId,
      noticeId: `expiry#${expiresAt}#${daysBefore}`,
      kind: 'expiry-reminder',
      at: nowIso(),
      expiresAt,
      daysBefore,
    })
    .options({ condition: { attr: 'noticeId', exists: false } })

export const listNotices = async (tenantId: string, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(NoticeEntity, {
    partition: tenantPartition(tenantId),
    prefix: 'NOTICE#',
    limit,
    cursor,
    reverse: true,
  })
  return {
    items: items.map(({ kind, at, expiresAt, daysBefore }) => ({ kind, at, expiresAt, daysBefore })),
    nextCursor,
  }
}
