import { executeTransactWrite } from 'dynamodb-toolbox'
import { nowMs } from '../core/clock.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { AppError } from '../core/errors.js'
import { freezeLoaded, releaseTenant } from './lifecycle.js'
import { expiryNoticeWrite } from './notices.js'
import { purgeReleasedTenant } from './purge.js'
import { findTenant } from './queries.js'
import { reminderDone } from './reminders.js'

export type DueOutcome = 'frozen' | 'released' | 'purged' | 'purging' | 'reminded' | 'skipped'

const SCHEDULER = { actor: 'scheduler' }

/**
 * One due tenant: freeze it at expiry, release it at the end of retention, purge it once
 * released. Each step is conditioned on the state it was read in, so a re-run (or a run that
 * overlaps another) does nothing twice.
 */
export const processDueTenant = async (tenantId: string, purgeBudget: number): Promise<DueOutcome> => {
  const t = await findTenant(tenantId)
  if (!t) return 'skipped'
  try {
    if (t.status === 'active' && Date.parse(t.expiresAt) <= nowMs()) {
      await freezeLoaded(t, 'expired', SCHEDULER)
      return 'frozen'
    }
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
