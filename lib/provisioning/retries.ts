import { nowIso } from '../core/clock.js'
import { dueUpTo } from '../core/due.js'
import { errorSite, log } from '../core/log.js'
import { pump, RETRY_DUE } from './pump.js'
import { senderOf } from './workbench.js'

/**
 * The worker's minute: every queue whose retry is due is pumped again (its first delivery first).
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
