import { sqsFunction } from '../../lib/core/sqs-function.js'
import { handleNotification, NotificationSchema } from '../../lib/marketplace/aws/notifications.js'

/** SNS delivers the marketplace's message as a JSON string inside its envelope. */
const parse = (body: string) => {
  const envelope = JSON.parse(body) as { Message?: string }
  return NotificationSchema.parse(JSON.parse(envelope.Message ?? body))
}

/**
 * AWS Marketplace subscription notifications (SNS -> SQS -> here). A message that fails is
 * reported back alone (partial batch failure): SQS retries it, then moves it to the DLQ.
 */
export const handler = sqsFunction({ name: 'marketplace-events', parse, handle: handleNotification })
