import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { expireSubscription } from '../apps/subscriptions.js'
import { nowIso } from '../core/clock.js'
import { config } from '../core/config.js'
import { getDocumentClient } from '../core/db/client.js'
import { log } from '../core/log.js'
import { type DueOutcome, processDueTenant, processReminder } from '../tenants/due.js'

export interface LifecycleReport {
  due: number
  outcomes: Record<string, number>
  failed: number
  /** more due work than this run's limit: the next run continues */
  more: boolean
}

/** What is due, parsed from the due index's sort key: `<due ISO>#<KIND>#<ids…>`. */
const dispatch = (sortKey: string, purgeBudget: number): Promise<DueOutcome | 'expired'> => {
  const [, kind, ...ids] = sortKey.split('#')
  switch (kind) {
    case 'TENANT':
      return processDueTenant(ids[0] as string, purgeBudget)
    case 'REMIND':
      return processReminder(ids[0] as string, ids[1] as string, ids[2] as string)
    case 'SUB':
      return expireSubscription(ids[0] as string, ids[1] as string)
    default:
      throw new Error(`unknown due kind ${kind}`)
  }
}

/**
 * One run of the scheduled lifecycle: reads only what is due (the sparse due index, up to now),
 * so its cost follows the due work, not the number of tenants. Every step is conditioned on the
 * state it found; a crash leaves the item due and the next run finishes it, once.
 */
export const runLifecycle = async (
  options: { limit?: number; purgeBudget?: number } = {},
): Promise<LifecycleReport> => {
  const limit = options.limit ?? 500
  const purgeBudget = options.purgeBudget ?? 500
  const report: LifecycleReport = { due: 0, outcomes: {}, failed: 0, more: false }
  let start: Record<string, unknown> | undefined
  do {
    const page = await getDocumentClient().send(
      new QueryCommand({
        TableName: config().ATRIUM_TABLE_NAME,
        IndexName: 'ByDue',
        KeyConditionExpression: 'DUEPK = :due AND DUESK <= :now',
        ExpressionAttributeValues: { ':due': 'DUE', ':now': `${nowIso()}#~` },
        ProjectionExpression: 'DUESK',
        Limit: Math.min(100, limit - report.due),
        ExclusiveStartKey: start,
      }),
    )
    for (const item of page.Items ?? []) {
      report.due++
      try {
        const outcome = await dispatch(item.DUESK as string, purgeBudget)
        report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1
      } catch (err) {
        report.failed++
        log.error('due item failed', {
          dueKind: String(item.DUESK).split('#')[1],
          errorName: (err as Error).name,
        })
      }
    }
    start = page.LastEvaluatedKey
  } while (start !== undefined && report.due < limit)
  report.more = start !== undefined
  log.info('lifecycle run', { due: report.due, failed: report.failed, more: report.more, ...report.outcomes })
  return report
}
