import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { config } from '../config.js'
import type { PurgeProgress } from '../tenant-hooks.js'
import { getDocumentClient } from './client.js'
import { type IndexName, TABLE } from './table-definition.js'

type Key = { PK: string; SK: string }

/** Deletes items by key, 25 a request; unprocessed deletes are retried (a later run finds any left). */
export const deleteKeys = async (keys: Key[]): Promise<void> => {
  const tableName = config().ATRIUM_TABLE_NAME
  for (let i = 0; i < keys.length; i += 25) {
    let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }))
    for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
      const out = await getDocumentClient().send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      )
      requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests
    }
  }
}

/**
 * Deletes up to `budget` items of one partition (of the table or an index), except those `keep`
 * spares, reading keys only. Says whether the partition is done, so a large one takes several runs.
 */
export const purgePartition = async (
  source: { partition: string; index?: IndexName; keep?: (key: Key) => boolean },
  budget: number,
): Promise<PurgeProgress> => {
  const pk = source.index ? TABLE.indexes[source.index].partitionKey : TABLE.partitionKey
  let deleted = 0
  let start: Record<string, unknown> | undefined
  do {
    const out = await getDocumentClient().send(
      new QueryCommand({
        TableName: config().ATRIUM_TABLE_NAME,
        IndexName: source.index,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pk },
        ExpressionAttributeValues: { ':pk': source.partition },
        ProjectionExpression: 'PK, SK',
        Limit: 100,
        ExclusiveStartKey: start,
      }),
    )
    const deletable = ((out.Items ?? []) as Key[]).filter((k) => !source.keep?.(k))
    const doomed = deletable.slice(0, budget - deleted)
    await deleteKeys(doomed)
    deleted += doomed.length
    start = out.LastEvaluatedKey
    if (doomed.length < deletable.length || (deleted >= budget && start !== undefined))
      return { deleted, done: false }
  } while (start !== undefined)
  return { deleted, done: true }
}
