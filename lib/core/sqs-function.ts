import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import { recordFunction } from './aws-command-log.js'
import { config } from './config.js'
import { AppError } from './errors.js'
import { errorSite, log, withLogContext } from './log.js'
import { configureMetrics, flushMetrics } from './metrics.js'

export interface SqsFunctionOptions<T> {
  /** the function's name (serverless.yml), for logs and metrics */
  name: string
  /** the message from the record's body; throwing refuses the record */
  parse: (body: string) => T
  /** handles one message and names its outcome for the log */
  handle: (message: T, record: SQSRecord) => Promise<string>
  /**
   * FIFO queues: once a record fails, the later records of the batch are reported failed too
   * (unprocessed), so a message is never applied before the one queued ahead of it.
   */
  ordered?: boolean
}

/**
 * An SQS consumer with partial batch failures: each record runs in a log context of its own (its
 * correlation id is the `correlationId` message attribute when the sender set one), a failed one
 * is reported back alone and SQS redelivers it, then moves it to the dead-letter queue.
 */
export const sqsFunction = <T>(options: SqsFunctionOptions<T>) => {
  config()
  configureMetrics(options.name)
  recordFunction(options.name)
  return async (event: SQSEvent, _context?: Context): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = []
    for (const record of event.Records) {
      if (options.ordered && batchItemFailures.length > 0) {
        batchItemFailures.push({ itemIdentifier: record.messageId })
        continue
      }
      const correlationId = record.messageAttributes?.correlationId?.stringValue ?? record.messageId
      await withLogContext({ fn: options.name, correlationId, messageId: record.messageId }, async () => {
        try {
          const outcome = await options.handle(options.parse(record.body), record)
          log.info('message done', { outcome })
        } catch (err) {
          if (err instanceof AppError) log.warn('message refused', { code: err.code })
          else log.error('message failed', errorSite(err))
          batchItemFailures.push({ itemIdentifier: record.messageId })
        }
      })
    }
    flushMetrics()
    return { batchItemFailures }
  }
}
