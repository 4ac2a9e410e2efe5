import { $remove, executeTransactWrite, UpdateTransaction } from 'dynamodb-toolbox'
import { addDays, nowIso, nowMs } from '../core/clock.js'
import { config } from '../core/config.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { AppError, notFound } from '../core/errors.js'
import { TenantEntity, type TenantStatus, tenantIndexKeys } from './entities.js'
import { historyWrite } from './history.js'
import { findTenant } from './queries.js'
import { type TenantRecord, toTenantView } from './views.js'

export interface Actor {
  actor: string
  orderId?: string
  note?: string
}

export const retentionDays = (customerLevel: string): number => {
  const { RETENTION_DAYS_BY_LEVEL, DEFAULT_RETENTION_DAYS } = config()
  return RETENTION_DAYS_BY_LEVEL[customerLevel] ?? DEFAULT_RETENTION_DAYS
}

interface Change {
  action: string
  to: TenantStatus
  set: Partial<TenantRecord>
  dueAt?: string
}

/**
 * Applies a status change in one transaction with its history event. The condition pins the
 * status the change was computed from, so two concurrent transitions cannot both apply.
 */
const transition = async (t: TenantRecord, change: Change, by: Actor) => {
  const next = { ...t, ...change.set, status: change.to }
  const keys = tenantIndexKeys({ ...next, dueAt: change.dueAt })
  // undefined means "leave as is" to the toolbox; a cleared attribute must be removed.
  const update = Object.fromEntries(
    Object.entries({ ...change.set, ...keys }).map(([k, v]) => [k, v === undefined ? $remove() : v]),
  )
  try {
    await executeTransactWrite(
      TenantEntity.build(UpdateTransaction)
        .item({ tenantId: t.tenantId, ...update, status: change.to })
        .options({ condition: { attr: 'status', eq: t.status } }),
      historyWrite(t.tenantId, {
        action: change.action,
        fromStatus: t.status,
        toStatus: change.to,
        actor: by.actor,
        orderId: by.orderId,
        note: by.note,
      }),
    )
  } catch (err) {
    if (isConditionFailure(err)) throw new AppError('CONFLICT', 'the tenant changed meanwhile; retry')
    throw err
  }
  return toTenantView({ ...next, ...keys })
}

const load = async (tenantId: string) => {
  const t = await findTenant(tenantId)
  if (!t || t.status === 'released') throw notFound('tenant')
  return t
}

/** Freezes an active tenant; it is kept for its retention period, then released. */
export const freezeTenant = async (tenantId: string, reason: 'expired' | 'manual', by: Actor) => {
  const t = await load(tenantId)
  if (t.status !== 'active') throw new AppError('INVALID_STATE', `tenant is ${t.status}`)
  const frozenAt = nowIso()
  const retentionUntil = addDays(frozenAt, retentionDays(t.customerLevel))
  return transition(
    t,
    {
      action: 'frozen',
      to: 'frozen',
      set: { frozenAt, retentionUntil, frozenReason: reason },
      dueAt: retentionUntil,
    },
    by,
  )
}

/** Lifts a manual freeze; an expired tenant needs a renewal instead. */
export const unfreezeTenant = async (tenantId: string, by: Actor) => {
  const t = await load(tenantId)
  if (t.status !== 'frozen') throw new AppError('INVALID_STATE', `tenant is ${t.status}`)
  if (Date.parse(t.expiresAt) <= nowMs()) {
    throw new AppError('INVALID_STATE', 'the subscription has expired: renew it to restore the tenant')
  }
  return transition(
    t,
    {
      action: 'unfrozen',
      to: 'active',
      set: { frozenAt: undefined, retentionUntil: undefined, frozenReason: undefined },
      dueAt: t.expiresAt,
    },
    by,
  )
}

/** Extends the subscription; a frozen tenant inside its retention period is restored whole. */
export const renewTenant = async (tenantId: string, expiresAt: string, by: Actor) => {
  const t = await load(tenantId)
  const until = new Date(expiresAt).toISOString()
  if (Date.parse(until) <= nowMs()) {
    throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future', [
      { path: 'body.expiresAt', message: 'must be in the future' },
    ])
  }
  if (t.status === 'frozen' && t.retentionUntil && Date.parse(t.retentionUntil) <= nowMs()) {
    throw new AppError('INVALID_STATE', 'the retention period has ended; the tenant is being released')
  }
  return transition(
    t,
    {
      action: 'renewed',
      to: 'active',
      set: {
        expiresAt: until,
        trial: false,
        frozenAt: undefined,
        retentionUntil: undefined,
        frozenReason: undefined,
      },
      dueAt: until,
    },
    by,
  )
}
