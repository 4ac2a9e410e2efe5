import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams'
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda'

/**
 * What Lambda's event source mapping does in AWS, for the local stack: reads the table's stream
 * on DynamoDB Local and hands the records to a stream function's handler in batches, retrying a
 * batch from the sequence number the handler reports failed (at most a few times: locally a
 * change that keeps failing is reported and passed over, where AWS would bisect and retry).
 */
export interface StreamPoller {
  /** resolves once every change written before the call has been handed over and handled */
  drain(): Promise<void>
  stop(): Promise<void>
}

export interface StreamPollerOptions {
  endpoint: string
  tableName: string
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>
  /** pause between reads when nothing is new */
  idleMs?: number
  /** records handed over at most at once (the mapping's batchSize; DynamoDB's read takes 1,000) */
  batchSize?: number
  /** a batch that still fails after the retries */
  onFailure?: (error: string) => void
}

const MAX_DELIVERIES = 5

export const startStreamPoller = async (options: StreamPollerOptions): Promise<StreamPoller> => {
  const client = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  const { Streams = [] } = await client.send(new ListStreamsCommand({ TableName: options.tableName }))
  const streamArn = Streams[0]?.StreamArn
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`)

  const iterators = new Map<string, string>()
  const finished = new Set<string>()
  /** each shard's last record read, to take up again after it */
  const lastRead = new Map<string, string>()
  const listShards = async () => {
    const shards: Shard[] = []
    let start: string | undefined
    do {
      const { StreamDescription } = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      )
      shards.push(...(StreamDescription?.Shards ?? []))
      start = StreamDescription?.LastEvaluatedShardId
    } while (start)
    return shards
  }
  /** Open shards at start are read from now on; shards that appear later, from their start. */
  const discover = async (from: 'LATEST' | 'TRIM_HORIZON') => {
    for (const shard of await listShards()) {
      const id = shard.ShardId as string
      if (iterators.has(id) || finished.has(id)) continue
      if (from === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber) {
        finished.add(id)
        continue
      }
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: from }),
      )
      if (ShardIterator) iterators.set(id, ShardIterator)
    }
  }
  await discover('LATEST')

  const deliver = async (records: DynamoDBRecord[]) => {
    let pending = records
    for (let attempt = 1; pending.length > 0; attempt++) {
      const response = await options.handler({ Records: pending })
      const failed = response?.batchItemFailures?.[0]?.itemIdentifier
      if (!failed) return
      if (attempt >= MAX_DELIVERIES) {
        options.onFailure?.(`stream records from ${failed} still fail after ${attempt} deliveries`)
        return
      }
      pending = pending.filter((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0') >= BigInt(failed))
      await new Promise((r) => setTimeout(r, 50 * attempt))
    }
  }

  /**
   * One read of a shard. An iterator DynamoDB Local no longer takes (expired, or pointing at a
   * record it trimmed: seen on a loaded machine) is replaced by one after the last record read.
   */
  const readShard = async (id: string, iterator: string) => {
    try {
      return await client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }),
      )
    } catch (err) {
      const name = (err as Error).name
      if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw err
      const after = lastRead.get(id)
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: id,
          ...(after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
      if (ShardIterator) iterators.set(id, ShardIterator)
      return undefined
    }
  }

  let running = true
  let passes = 0
  let quietAt = -1
  /** One read of every shard; true when nothing was new. */
  const pass = async () => {
    let quiet = true
    for (const [id, iterator] of iterators) {
      const read = await readShard(id, iterator)
      if (!read) continue
      const { Records = [], NextShardIterator } = read
      if (Records.length > 0) {
        quiet = false
        await deliver(Records as DynamoDBRecord[])
        lastRead.set(id, Records.at(-1)?.dynamodb?.SequenceNumber as string)
      }
      if (NextShardIterator) iterators.set(id, NextShardIterator)
      else {
        iterators.delete(id)
        finished.add(id)
        await discover('TRIM_HORIZON')
      }
    }
    return quiet
  }
  const loop = (async () => {
    while (running) {
      try {
        const quiet = await pass()
        passes++
        if (quiet) {
          quietAt = passes
          await new Promise((r) => setTimeout(r, options.idleMs ?? 100))
        }
      } catch (err) {
        if (running) options.onFailure?.(`stream read failed: ${(err as Error).message}`)
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  })()

  return {
    drain: async () => {
      // a quiet pass that started after the call (the one under way may have started before it)
      const start = passes
      while (quietAt < start + 2) {
        if (!running) throw new Error('the stream poller was stopped')
        await new Promise((r) => setTimeout(r, 10))
      }
    },
    stop: async () => {
      running = false
      await loop
      client.destroy()
    },
  }
}
