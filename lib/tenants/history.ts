import { executeTransactWrite, PutTransaction } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
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
  const { items, nextCursor } = await queryPage(TenantHistoryEntity, {
    partition: tenantPartition(tenantId),
    prefix: 'HIST#',
    limit,
    cursor,
    reverse: true,
  })
  return {
    items: items.map(({ at, action, fromStatus, toStatus, actor, orderId, note }) => ({
      at,
      action,
      fromStatus,
      toStatus,
      actor,
      orderId,
      note,
    })),
    nextCursor,
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
