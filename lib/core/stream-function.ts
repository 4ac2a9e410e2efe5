import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { unmarshall } from '@aws-sdk/util-dynamodb'
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda'
import { recordFunction } from './aws-command-log.js'
import { config } from './config.js'
import { errorSite, log, withLogContext } from './log.js'
import { configureMetrics, flushMetrics } from './metrics.js'

/** One change of one item, as the table's stream tells it (images unmarshalled). */
export interface ItemChange {
  event: 'INSERT' | 'MODIFY' | 'REMOVE'
  pk: string
  sk: string
  before?: Record<string, unknown>
  after?: Record<string, unknown>
  sequenceNumber: string
}

type Image = Record<string, AttributeValue>

const changeOf = (r: DynamoDBRecord): ItemChange | undefined => {
  const d = r.dynamodb
  const keys = d?.Keys ? unmarshall(d.Keys as Image) : undefined
  if (!d?.SequenceNumber || !r.eventName || typeof keys?.PK !== 'string' || typeof keys.SK !== 'string')
    return
  return {
    event: r.eventName,
    pk: keys.PK,
    sk: keys.SK,
    before: d.OldImage ? unmarshall(d.OldImage as Image) : undefined,
    after: d.NewImage ? unmarshall(d.NewImage as Image) : undefined,
    sequenceNumber: d.SequenceNumber,
  }
}

export interface StreamFunctionOptions {
  /** the function's name (serverless.yml), for logs and metrics */
  name: string
  /** which changes it acts on (the rest are passed over; the event source filters them first) */
  wants: (change: ItemChange) => boolean
  /**
   * How the changes fall into independent parts (e.g. one per tenant): a part that fails is
   * retried from its first change, the others are not held up by it.
   */
  partOf: (change: ItemChange) => string
  /** acts on one part's changes, in stream order; must be idempotent (a retry repeats them) */
  handle: (part: string, changes: ItemChange[]) => Promise<string>
}

/**
 * A DynamoDB Streams consumer with partial batch failures: a failed part reports its earliest
 * sequence number, and Lambda hands the batch back from there (what succeeded runs again, so
 * handling is idempotent).
 */
export const streamFunction = (options: StreamFunctionOptions) => {
  config()
  configureMetrics(options.name)
  recordFunction(options.name)
  return async (event: DynamoDBStreamEvent, _context?: Context): Promise<DynamoDBBatchResponse> => {
    const parts = new Map<string, ItemChange[]>()
    for (const record of event.Records) {
      const change = changeOf(record)
      if (!change || !options.wants(change)) continue
      const part = options.partOf(change)
      parts.set(part, [...(parts.get(part) ?? []), change])
    }
    const failed: string[] = []
    for (const [part, changes] of parts) {
      const first = changes[0] as ItemChange
      await withLogContext({ fn: options.name, correlationId: first.sequenceNumber }, async () => {
        try {
          const outcome = await options.handle(part, changes)
          log.info('changes done', { changes: changes.length, outcome })
        } catch (err) {
          log.error('changes failed', errorSite(err))
          failed.push(first.sequenceNumber)
        }
      })
    }
    flushMetrics()
    // Lambda resumes from the lowest failed sequence number: report that one.
    const lowest = failed.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0]
    return { batchItemFailures: lowest ? [{ itemIdentifier: lowest }] : [] }
  }
}
