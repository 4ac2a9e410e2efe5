import { $remove, DeleteTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import { addDays, nowIso, nowMs } from '../core/clock.js'
import { config } from '../core/config.js'
import { destroyDataKey, tenantScope } from '../core/crypto/data-keys.js'
import type { WriteItem } from '../core/db/conditions.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { count } from '../core/metrics.js'
import type { Plan } from '../platform/schemas.js'
import { ClaimTaken } from './create-tenant.js'
import {
  CustomerGuardEntity,
  TenantCodeEntity,
  TenantEntity,
  type TenantStatus,
  tenantIndexKeys,
} from './entities.js'
import { historyWrite } from './history.js'
import { findTenant } from './queries.js'
import type { TenantRecord } from './record.js'
import { reminderWrites } from './reminders.js'
import { toTenantView } from './views.js'

export interface Actor {
  actor: string
  orderId?: string
  note?: string
  /** claims the request (a marketplace order) in the same transaction; a duplicate loses it */
  claim?: WriteItem
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
  /** more conditions on the tenant item, beyond its status */
  condition?: Record<string, unknown>[]
  /** writes that belong to the change (guards released, reminders, the data key destroyed) */
  writes?: WriteItem[]
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
  await transaction()
    .add('claim', ...(by.claim ? [by.claim] : []))
    .add(
      'tenant',
      TenantEntity.build(UpdateTransaction)
        .item({ tenantId: t.tenantId, ...update, status: change.to })
        .options({
          condition: { and: [{ attr: 'status', eq: t.status }, ...(change.condition ?? [])] } as never,
        }),
    )
    .add('effects', ...(change.writes ?? []))
    .add(
      'history',
      historyWrite(t.tenantId, {
        action: change.action,
        fromStatus: t.status,
        toStatus: change.to,
        actor: by.actor,
        orderId: by.orderId,
        note: by.note,
      }),
    )
    .run({
      claim: () => new ClaimTaken('the request was already handled'),
      tenant: () => new AppError('CONFLICT', 'the tenant changed meanwhile; retry'),
      effects: () => new AppError('CONFLICT', 'the tenant changed meanwhile; retry'),
    })
  if (change.to !== t.status)
    count(
      change.to === 'frozen'
        ? 'TenantFrozen'
        : change.to === 'released'
          ? 'TenantReleased'
          : 'TenantRestored',
    )
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
  return freezeLoaded(t, reason, by)
}

export const freezeLoaded = (t: TenantRecord, reason: 'expired' | 'manual', by: Actor) => {
  const frozenAt = nowIso()
  const retentionUntil = addDays(frozenAt, retentionDays(t.customerLevel))
  return transition(
    t,
    {
      action: 'frozen',
      to: 'frozen',
      set: { frozenAt, retentionUntil, frozenReason: reason, keptOpenUntil: undefined },
      dueAt: retentionUntil,
    },
    by,
  )
}

const cleared = {
  frozenAt: undefined,
  retentionUntil: undefined,
  frozenReason: undefined,
  keptOpenUntil: undefined,
}

/**
 * A free edition past its end stays usable while a third-party app subscription of the tenant
 * runs: it is looked at again when that ends. Pinned to the expiry it was computed for (a renewal
 * meanwhile wins).
 */
export const keepOpen = (t: TenantRecord, until: string, by: Actor) =>
  transition(
    t,
    {
      action: 'kept-open',
      to: 'active',
      set: { keptOpenUntil: until },
      dueAt: until,
      condition: [{ attr: 'expiresAt', eq: t.expiresAt }],
    },
    by,
  )

/** Lifts a manual freeze; an expired tenant needs a renewal instead. */
export const unfreezeTenant = async (tenantId: string, by: Actor) => {
  const t = await load(tenantId)
  if (t.status !== 'frozen') throw new AppError('INVALID_STATE', `tenant is ${t.status}`)
  if (Date.parse(t.expiresAt) <= nowMs()) {
    throw new AppError('INVALID_STATE', 'the subscription has expired: renew it to restore the tenant')
  }
  return transition(t, { action: 'unfrozen', to: 'active', set: cleared, dueAt: t.expiresAt }, by)
}

/** Extends the subscription; a frozen tenant inside its retention period is restored whole. */
export const renewTenant = async (
  tenantId: string,
  expiresAt: string,
  by: Actor & { toFormal?: boolean },
) => {
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
      set: { ...cleared, expiresAt: until, trial: by.toFormal === false ? t.trial : false },
      dueAt: until,
      writes: until === t.expiresAt ? [] : reminderWrites(t.tenantId, until),
    },
    by,
  )
}

/**
 * Moves the end of the subscription earlier (a renewal period refunded): nothing is restored, and
 * an end already past makes the tenant due at once (the scheduled run freezes it).
 */
export const shortenTenant = async (tenantId: string, expiresAt: string, by: Actor) => {
  const t = await load(tenantId)
  const until = new Date(expiresAt).toISOString()
  return transition(
    t,
    {
      action: 'term-shortened',
      to: t.status,
      set: { expiresAt: until },
      dueAt: t.status === 'frozen' ? t.retentionUntil : (t.keptOpenUntil ?? until),
      writes: until === t.expiresAt ? [] : reminderWrites(t.tenantId, until),
    },
    by,
  )
}

/**
 * Whether the tenant may move to the edition (still sold) and its members fit it: refused before a
 * change, not only at the write.
 */
export const checkPlanFits = (t: TenantRecord, plan: Plan): void => {
  if (plan.retired && plan.code !== t.planCode)
    throw new AppError('PLAN_RETIRED', `${plan.code} is no longer sold`, { planCode: plan.code })
  if (t.memberCount > plan.limits.maxMembers) {
    throw new AppError(
      'PLAN_LIMIT_EXCEEDED',
      `the tenant has ${t.memberCount} members; ${plan.code} allows ${plan.limits.maxMembers}`,
      { members: t.memberCount, maxMembers: plan.limits.maxMembers },
    )
  }
}

/**
 * Moves the tenant to another edition. The member count is checked by the database in the same
 * write, so a member added concurrently cannot slip the tenant over the new limit.
 */
export const changePlan = async (tenantId: string, plan: Plan, by: Actor) => {
  const t = await load(tenantId)
  checkPlanFits(t, plan)
  return transition(
    t,
    {
      action: 'plan-changed',
      to: t.status,
      set: {
        planCode: plan.code,
        product: plan.product,
        edition: plan.edition,
        planName: plan.name,
        priceModel: plan.priceModel,
        limits: plan.limits,
      },
      dueAt: t.status === 'frozen' ? t.retentionUntil : t.expiresAt,
      condition: [{ attr: 'memberCount', lte: plan.limits.maxMembers }],
    },
    { ...by, note: by.note ?? `${t.planCode} -> ${plan.code}` },
  )
}

/**
 * Releases the tenant: its data key is destroyed at once (its personal data is unreadable from
 * here on), its code and the customer's instance guard are freed, and the remaining items are
 * purged in batches by the lifecycle job. The tenant item and its history stay as the record.
 */
export const releaseTenant = async (tenantId: string, by: Actor) => {
  const t = await findTenant(tenantId)
  if (!t) throw notFound('tenant')
  if (t.status === 'released') return toTenantView(t)
  const releasedAt = nowIso()
  return transition(
    t,
    {
      action: 'released',
      to: 'released',
      set: { ...cleared, releasedAt },
      dueAt: releasedAt,
      writes: [
        CustomerGuardEntity.build(DeleteTransaction)
          .key({ customerId: t.customerId, guard: 'INSTANCE' })
          .options({ condition: { attr: 'tenantId', eq: t.tenantId } }),
        TenantCodeEntity.build(DeleteTransaction).key({ code: t.code }),
        destroyDataKey(tenantScope(t.tenantId)),
      ],
    },
    by,
  )
}
