import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda'
import { type StreamPoller, startStreamPoller } from './stream-poller.js'

type Consumer = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>

export interface LocalStreams {
  /** resolves once what was written before has gone through every consumer, and what they wrote too */
  drain(): Promise<void>
  /** the provisioning sender's scheduled minute (retries that are due) */
  retries(): Promise<unknown>
  stop(): Promise<void>
}

/**
 * The table stream's consumers as the local stack runs them (serverless-offline reads no streams
 * and runs no schedules), each reading the stream on its own, in batches of its mapping's size
 * (serverless.yml), as Lambda's event source mappings do: one slow consumer holds up no other.
 * Imported after the settings are in the environment.
 */
export const startLocalStreams = async (options: {
  endpoint: string
  tableName: string
  idleMs?: number
  onFailure?: (error: string) => void
}): Promise<LocalStreams> => {
  const { handler: accessEvents } = await import('../../functions/access-events/handler.js')
  const { handler: changes } = await import('../../functions/provisioning-changes/handler.js')
  const { handler: sender } = await import('../../functions/provisioning-sender/handler.js')
  const { handler: contentEvents } = await import('../../functions/content-events/handler.js')
  const pollers: StreamPoller[] = []
  for (const [handler, batchSize] of [
    [accessEvents, 100],
    [changes, 1000],
    [sender as Consumer, 100],
    [contentEvents, 10],
  ] as const) {
    pollers.push(await startStreamPoller({ ...options, handler, batchSize }))
  }
  return {
    drain: async () => {
      // a consumer's writes come back through the stream to the others: go round until still
      for (let i = 0; i < 3; i++) for (const p of pollers) await p.drain()
    },
    retries: () => sender({}),
    stop: async () => {
      for (const p of pollers) await p.stop()
    },
  }
}
