import { executeTransactWrite } from 'dynamodb-toolbox'
import { nowMs } from '../core/clock.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { AppError } from '../core/errors.js'
import { scopeOf } from '../core/tenancy.js'
import { tenantHooks } from '../core/tenant-hooks.js'
import { getPlan } from '../platform/catalog.js'
import { freezeLoaded, keepOpen, releaseTenant } from './lifecycle.js'
import { expiryNoticeWrite } from './notices.js'
import { purgeReleasedTenant } from './purge.js'
import { findTenant } from './queries.js'
import type { TenantRecord } from './record.js'
import { reminderDone } from './reminders.js'

export type DueOutcome = 'frozen' | 'kept-open' | 'released' | 'purged' | 'purging' | 'reminded' | 'skipped'

const SCHEDULER = { actor: 'scheduler' }

/** Until when a free edition past its end stays usable: the latest end of what keeps it open. */
const keptOpenUntil = async (t: TenantRecord) => {
  const priceModel = t.priceModel ?? (await getPlan(t.planCode))?.priceModel
  if (priceModel !== 'free-trial') return undefined
  const ends = await Promise.all(tenantHooks().map((h) => h.keepsOpen?.(scopeOf(t.tenantId))))
  const latest = ends
    .filter((e): e is string => e !== undefined && Date.parse(e) > nowMs())
    .sort()
    .at(-1)
  return latest
}

/** An active tenant past its end: frozen, unless a free edition is kept open (looked at again then). */
const settleExpiry = async (t: TenantRecord): Promise<DueOutcome> => {
  const until = await keptOpenUntil(t)
  if (until) {
    await keepOpen(t, until, SCHEDULER)
    return 'kept-open'
  }
  await freezeLoaded(t, 'expired', SCHEDULER)
  return 'frozen'
}

/**
 * Called when something that kept a free edition open ends early (an app subscription released or
 * expired by its marketplace): the edition freezes when the last one ends, not at the next due run.
 */
export const reviewExpiry = async (tenantId: string): Promise<DueOutcome> => {
  const t = await findTenant(tenantId)
  if (t?.status !== 'active' || Date.parse(t.expiresAt) > nowMs()) return 'skipped'
  try {
    return await settleExpiry(t)
  } catch (err) {
    if (err instanceof AppError && err.code === 'CONFLICT') return 'skipped'
    throw err
  }
}

/**
 * One due tenant: freeze it at expiry, release it at the end of retention, purge it once
 * released. Each step is conditioned on the state it was read in, so a re-run (or a run that
 * overlaps another) does nothing twice.
 */
export const processDueTenant = async (tenantId: string, purgeBudget: number): Promise<DueOutcome> => {
  const t = await findTenant(tenantId)
  if (!t) return 'skipped'
  try {
    if (t.status === 'active' && Date.parse(t.expiresAt) <= nowMs()) return await settleExpiry(t)
    if (t.status === 'frozen' && t.retentionUntil && Date.parse(t.retentionUntil) <= nowMs()) {
      await releaseTenant(tenantId, SCHEDULER)
      return 'released'
    }
    if (t.status === 'released') {
      return (await purgeReleasedTenant(tenantId, purgeBudget)).done ? 'purged' : 'purging'
    }
  } catch (err) {
    if (err instanceof AppError && err.code === 'CONFLICT') return 'skipped'
    throw err
  }
  return 'skipped'
}

/** A reminder becomes a notice only if the expiry it was made for still stands. */
export const processReminder = async (
  tenantId: string,
  expiresAt: string,
  daysBefore: string,
): Promise<DueOutcome> => {
  const t = await findTenant(tenantId)
  const stands = t?.status === 'active' && t.expiresAt === expiresAt
  try {
    await executeTransactWrite(
      reminderDone(tenantId, expiresAt, daysBefore),
      ...(stands ? [expiryNoticeWrite(tenantId, expiresAt, Number(daysBefore))] : []),
    )
  } catch (err) {
    if (isConditionFailure(err)) return 'skipped'
    throw err
  }
  return stands ? 'reminded' : 'skipped'
}
