import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { config } from '../../lib/core/config.js'
import { log, setLogContext } from '../../lib/core/log.js'
import { handleNotification, NotificationSchema } from '../../lib/marketplace/aws/notifications.js'

config()

/** SNS delivers the marketplace's message as a JSON string inside its envelope. */
const parse = (body: string) => {
  const envelope = JSON.parse(body) as { Message?: string }
  return NotificationSchema.parse(JSON.parse(envelope.Message ?? body))
}

/**
 * AWS Marketplace subscription notifications (SNS -> SQS -> here). A message that fails is
 * reported back alone (partial batch failure): SQS retries it, then moves it to the DLQ.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = []
  for (const record of event.Records) {
    setLogContext({ messageId: record.messageId })
    try {
      const outcome = await handleNotification(parse(record.body))
      log.info('marketplace notification', { outcome })
    } catch (err) {
      log.error('marketplace notification failed', { errorName: (err as Error).name })
      batchItemFailures.push({ itemIdentifier: record.messageId })
    }
  }
  return { batchItemFailures }
}
