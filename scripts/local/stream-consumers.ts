import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda'

/**
 * The table stream's consumers as the local stack runs them (serverless-offline reads no streams
 * and runs no schedules): every batch to each consumer, as Lambda gives each mapping the whole
 * stream; a failure of either hands the batch back from the earliest failed change (both are
 * idempotent). Imported after the settings are in the environment.
 */
export const localStreamConsumers = async () => {
  const { handler: accessEvents } = await import('../../functions/access-events/handler.js')
  const { handler: provisioningWorker } = await import('../../functions/provisioning-worker/handler.js')
  const consumers = [
    accessEvents,
    provisioningWorker as (e: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
  ]
  return {
    handler: async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      const failures = []
      for (const consume of consumers) failures.push(...((await consume(event))?.batchItemFailures ?? []))
      const earliest = failures.map((f) => f.itemIdentifier).sort()[0]
      return { batchItemFailures: earliest ? [{ itemIdentifier: earliest }] : [] }
    },
    /** the worker's scheduled minute (retries that are due) */
    retries: () => provisioningWorker({}),
  }
}
