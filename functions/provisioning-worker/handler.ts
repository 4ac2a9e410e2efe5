import type { Context, DynamoDBStreamEvent } from 'aws-lambda'
import { scheduledFunction } from '../../lib/core/scheduled-function.js'
import { streamFunction } from '../../lib/core/stream-function.js'
import { concernsProvisioning, provisioningChanges, tenantOfChange } from '../../lib/provisioning/changes.js'
import { runRetries } from '../../lib/provisioning/retries.js'

/** The table's stream: what changed becomes deliveries, and queued deliveries go out, app by app. */
const onChanges = streamFunction({
  name: 'provisioning-worker',
  wants: concernsProvisioning,
  partOf: (change) => tenantOfChange(change) as string,
  handle: provisioningChanges,
})

/** Every minute: the queues whose retry is due. */
const onSchedule = scheduledFunction('provisioning-worker', () => runRetries())

export const handler = (event: DynamoDBStreamEvent | Record<string, unknown>, context?: Context) =>
  Array.isArray((event as DynamoDBStreamEvent).Records)
    ? onChanges(event as DynamoDBStreamEvent, context)
    : onSchedule(event, context)
