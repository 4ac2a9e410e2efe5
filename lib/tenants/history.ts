import { executeTransactWrite, PutTransaction, QueryCommand } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { decodeCursor, encodeCursor } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { newId } from '../core/ids.js'
import { TenantHistoryEntity } from './entities.js'
import { findTenant } from './queries.js'

export interface HistoryEvent {
  action: string
  fromStatus?: string
  toStatus: string
  actor: string
  orderId?: string
  note?: string
}

/** A lifecycle event, written in the same transaction as the change it records. */
export const historyWrite = (tenantId: string, event: HistoryEvent) =>
  TenantHistoryEntity.build(PutTransaction).item({ tenantId, eventId: newId(), at: nowIso(), ...event })

export const listHistory = async (tenantId: string, limit: number, cursor?: string) => {
  const partition = `T#${tenantId}`
  const { Items = [], LastEvaluatedKey } = await table
    .build(QueryCommand)
    .entities(TenantHistoryEntity)
    .query({ partition, range: { beginsWith: 'HIST#' } })
    .options({ limit, reverse: true, exclusiveStartKey: decodeCursor(cursor, { PK: partition }) })
    .send()
  return {
    items: Items.map(({ at, action, fromStatus, toStatus, actor, orderId, note }) => ({
      at,
      action,
      fromStatus,
      toStatus,
      actor,
      orderId,
      note,
    })),
    nextCursor: encodeCursor(LastEvaluatedKey),
  }
}

/** An event that changes no state but belongs in the record (e.g. "unsubscribe pending"). */
export const noteTenant = async (
  tenantId: string,
  event: { action: string; actor: string; note?: string },
) => {
  const t = await findTenant(tenantId)
  if (!t) return
  await executeTransactWrite(historyWrite(tenantId, { ...event, fromStatus: t.status, toStatus: t.status }))
}
