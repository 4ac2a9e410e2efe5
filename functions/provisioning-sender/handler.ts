import type { Context, DynamoDBStreamEvent } from 'aws-lambda'
import { scheduledFunction } from '../../lib/core/scheduled-function.js'
import { streamFunction } from '../../lib/core/stream-function.js'
import { isQueued, runRetries, sendQueued } from '../../lib/provisioning/sending.js'

/** Queued deliveries, from the table's stream: each app's queue goes out, in order. */
const onQueued = streamFunction({
  name: 'provisioning-sender',
  wants: isQueued,
  partOf: (change) => change.pk.slice(2),
  handle: sendQueued,
})

/** Every minute: the queues whose retry is due. */
const onSchedule = scheduledFunction('provisioning-sender', () => runRetries())

export const handler = (event: DynamoDBStreamEvent | Record<string, unknown>, context?: Context) =>
  Array.isArray((event as DynamoDBStreamEvent).Records)
    ? onQueued(event as DynamoDBStreamEvent, context)
    : onSchedule(event, context)
