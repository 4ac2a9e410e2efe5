import { createHash } from 'node:crypto'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { config } from './config.js'
import { getDocumentClient } from './db/client.js'

/**
 * Due work (expiries, retention ends, reminders) sits on the sparse ByDue index, spread over
 * shards so that no partition key carries every due item: a job reads each shard up to now, so
 * its cost follows the work that is due, not the number of tenants. A space is one job's part of
 * the index (the lifecycle's, provisioning retries'): a job reads its own space only.
 */
export interface DueSpace {
  prefix: string
  shards: number
}

export const LIFECYCLE_DUE: DueSpace = { prefix: 'DUE', shards: 16 }
export const DUE_SHARDS = LIFECYCLE_DUE.shards

const shardOf = (ids: string, shards: number): number =>
  createHash('sha1').update(ids).digest().readUInt16BE(0) % shards

export const duePartition = (shard: number, space: DueSpace = LIFECYCLE_DUE): string =>
  `${space.prefix}#${shard}`

/** The index keys of a due item in a space: `<space>#<shard>` and `<due ISO>#<KIND>#<ids…>`. */
export const dueKeysIn = (space: DueSpace, dueAt: string, kind: string, ...ids: string[]) => ({
  DUEPK: duePartition(shardOf(ids.join('#'), space.shards), space),
  DUESK: `${dueAt}#${kind}#${ids.join('#')}`,
})

/** The index keys of the lifecycle's due item. */
export const dueKeys = (dueAt: string, kind: string, ...ids: string[]) =>
  dueKeysIn(LIFECYCLE_DUE, dueAt, kind, ...ids)

/** What a due index sort key names. */
export const parseDueKey = (sortKey: string): { kind: string; ids: string[] } => {
  const [, kind = '', ...ids] = sortKey.split('#')
  return { kind, ids }
}

/**
 * The due keys of a space up to `nowIso`, shard by shard, a page at a time (the index holds only
 * the keys): at most `limit`, and whether more were left.
 */
export async function* dueUpTo(space: DueSpace, nowIso: string, limit: number) {
  let read = 0
  for (let shard = 0; shard < space.shards; shard++) {
    let start: Record<string, unknown> | undefined
    do {
      if (read >= limit) return { more: true }
      const page = await getDocumentClient().send(
        new QueryCommand({
          TableName: config().ATRIUM_TABLE_NAME,
          IndexName: 'ByDue',
          KeyConditionExpression: 'DUEPK = :due AND DUESK <= :now',
          ExpressionAttributeValues: { ':due': duePartition(shard, space), ':now': `${nowIso}#~` },
          ProjectionExpression: 'DUESK',
          Limit: Math.min(100, limit - read),
          ExclusiveStartKey: start,
        }),
      )
      for (const item of page.Items ?? []) {
        read++
        yield parseDueKey(item.DUESK as string)
      }
      start = page.LastEvaluatedKey
    } while (start !== undefined)
  }
  return { more: false }
}
