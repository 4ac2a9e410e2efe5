import { nowIso } from '../../lib/core/clock.js'
import { readOutbox } from '../../lib/notify/outbox.js'

/**
 * Locally, the outbox is the delivery: what would be e-mailed or texted (codes that prove an
 * address, notices) is printed as it is written, so a developer can use it. Returns a stop.
 */
export const printOutbox = (everyMs = 1000): (() => void) => {
  let after = ''
  let day = nowIso().slice(0, 10)
  let busy = false
  const timer = setInterval(async () => {
    if (busy) return
    busy = true
    try {
      const today = nowIso().slice(0, 10)
      if (today !== day) [day, after] = [today, '']
      for (const m of await readOutbox(day, after)) {
        console.log(`\n  ✉ outbox (${m.channel}) to ${m.to}: ${m.subject}\n    ${m.body}`)
        after = m.messageId
      }
    } catch {
      // DynamoDB Local stopping with npm start: nothing to print
    } finally {
      busy = false
    }
  }, everyMs)
  return () => clearInterval(timer)
}
