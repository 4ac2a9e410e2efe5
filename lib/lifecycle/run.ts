import { nowIso } from '../core/clock.js'
import { dueUpTo, LIFECYCLE_DUE } from '../core/due.js'
import { errorSite, log } from '../core/log.js'
import { type DueRun, tenantJobs } from '../core/tenant-hooks.js'

export interface LifecycleReport {
  due: number
  outcomes: Record<string, number>
  failed: number
  /** more due work than this run's limit: the next run continues */
  more: boolean
}

/** The handler of a due kind, from the capability that declared it. */
const handlerOf = (kind: string) => {
  for (const jobs of tenantJobs()) {
    const handle = jobs.due?.[kind]
    if (handle) return handle
  }
  throw new Error(`unknown due kind ${kind}`)
}

/**
 * One run of the scheduled lifecycle: reads only what is due (each shard of the sparse due index,
 * up to now), so its cost follows the due work, not the number of tenants. Every step is
 * conditioned on the state it found; a crash leaves the item due and the next run finishes it, once.
 */
export const runLifecycle = async (
  options: { limit?: number; purgeBudget?: number } = {},
): Promise<LifecycleReport> => {
  const limit = options.limit ?? 500
  const run: DueRun = { purgeBudget: options.purgeBudget ?? 500 }
  const report: LifecycleReport = { due: 0, outcomes: {}, failed: 0, more: false }
  const due = dueUpTo(LIFECYCLE_DUE, nowIso(), limit)
  for (let next = await due.next(); ; next = await due.next()) {
    if (next.done) {
      report.more = next.value.more
      break
    }
    const { kind, ids } = next.value
    report.due++
    try {
      const outcome = await handlerOf(kind)(ids, run)
      report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1
    } catch (err) {
      report.failed++
      log.error('due item failed', { dueKind: kind, ...errorSite(err) })
    }
  }
  log.info('lifecycle run', { due: report.due, failed: report.failed, more: report.more, ...report.outcomes })
  return report
}
