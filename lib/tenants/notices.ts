import { Entity, item, number, PutTransaction, QueryCommand, string } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { decodeCursor, encodeCursor } from '../core/db/pagination.js'
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
    PK: `T#${tenantId}`,
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
  const partition = `T#${tenantId}`
  const { Items = [], LastEvaluatedKey } = await table
    .build(QueryCommand)
    .entities(NoticeEntity)
    .query({ partition, range: { beginsWith: 'NOTICE#' } })
    .options({ limit, reverse: true, exclusiveStartKey: decodeCursor(cursor, { PK: partition }) })
    .send()
  return {
    items: Items.map(({ kind, at, expiresAt, daysBefore }) => ({ kind, at, expiresAt, daysBefore })),
    nextCursor: encodeCursor(LastEvaluatedKey),
  }
}
