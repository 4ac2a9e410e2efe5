import { nowIso } from '../core/clock.js'
import { config } from '../core/config.js'
import { dueUpTo } from '../core/due.js'
import { errorSite, log } from '../core/log.js'
import type { ItemChange } from '../core/stream-function.js'
import { pump, RETRY_DUE } from './pump.js'
import { senderOf } from './workbench.js'

/** Queued deliveries: the sender's part of the stream. */
export const isQueued = (c: ItemChange) =>
  c.event === 'INSERT' && /^T#[^#]+$/.test(c.pk) && c.sk.startsWith('PROVQ#')

/** The queues that got deliveries, each pumped once (one pump per queue at a time anyway). */
export const sendQueued = async (tenantId: string, changes: ItemChange[]) => {
  const outcomes: string[] = []
  for (const appId of new Set(changes.map((c) => c.sk.split('#')[1] ?? ''))) {
    // a partial user call waits for quiet: the changes consumer, reading the stream on its own,
    // may still be queueing the rest of a burst (a department granted)
    const settleMs = config().PROVISIONING_SETTLE_MS
    outcomes.push(`${appId}: ${await pump(tenantId, appId, senderOf, { settleMs })}`)
  }
  return outcomes.join(', ')
}

/**
 * The sender's minute: every queue whose retry is due is pumped again (its first delivery first).
 * Reads only the due retries (their own space of the due index), not every setting.
 */
export const runRetries = async (limit = 200) => {
  const outcomes: Record<string, number> = {}
  const due = dueUpTo(RETRY_DUE, nowIso(), limit)
  for (let next = await due.next(); !next.done; next = await due.next()) {
    const [tenantId = '', appId = ''] = next.value.ids
    try {
      const outcome = (await pump(tenantId, appId, senderOf)).split(',')[0] ?? ''
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    } catch (err) {
      log.error('provisioning retry failed', { appId, ...errorSite(err) })
    }
  }
  return outcomes
}
