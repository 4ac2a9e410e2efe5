import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { nowIso } from '../core/clock.js'
import { config } from '../core/config.js'
import { getDocumentClient } from '../core/db/client.js'
import { DUE_SHARDS, duePartition, parseDueKey } from '../core/due.js'
import { errorSite, log } from '../core/log.js'
import { type DueRun, tenantHooks } from '../core/tenant-hooks.js'

export interface LifecycleReport {
  due: number
  outcomes: Record<string, number>
  failed: number
  /** more due work than this run's limit: the next run continues */
  more: boolean
}

/** The handler of a due kind, from the capability that declared it. */
const handlerOf = (kind: string) => {
  for (const hooks of tenantHooks()) {
    const handle = hooks.due?.[kind]
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
  const now = `${nowIso()}#~`
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    let start: Record<string, unknown> | undefined
    do {
      if (report.due >= limit) {
        report.more = true
        break
      }
      const page = await getDocumentClient().send(
        new QueryCommand({
          TableName: config().ATRIUM_TABLE_NAME,
          IndexName: 'ByDue',
          KeyConditionExpression: 'DUEPK = :due AND DUESK <= :now',
          ExpressionAttributeValues: { ':due': duePartition(shard), ':now': now },
          ProjectionExpression: 'DUESK',
          Limit: Math.min(100, limit - report.due),
          ExclusiveStartKey: start,
        }),
      )
      for (const item of page.Items ?? []) {
        report.due++
        const { kind, ids } = parseDueKey(item.DUESK as string)
        try {
          const outcome = await handlerOf(kind)(ids, run)
          report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1
        } catch (err) {
          report.failed++
          log.error('due item failed', { dueKind: kind, ...errorSite(err) })
        }
      }
      start = page.LastEvaluatedKey
    } while (start !== undefined)
  }
  log.info('lifecycle run', { due: report.due, failed: report.failed, more: report.more, ...report.outcomes })
  return report
}
