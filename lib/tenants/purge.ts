import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { $remove, UpdateItemCommand } from 'dynamodb-toolbox'
import { config } from '../core/config.js'
import { getDocumentClient } from '../core/db/client.js'
import { TenantEntity } from './entities.js'

type Key = { PK: string; SK: string }

/** The tenant record and its lifecycle history outlive the release; nothing else does. */
const kept = (key: Key) => key.SK === 'TENANT' || key.SK.startsWith('HIST#')

const deleteKeys = async (keys: Key[]) => {
  const client = getDocumentClient()
  for (let i = 0; i < keys.length; i += 25) {
    let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }))
    // Unprocessed deletes are retried; the next run picks up anything left anyway.
    for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
      const out = await client.send(
        new BatchWriteCommand({ RequestItems: { [config().ATRIUM_TABLE_NAME]: requests } }),
      )
      requests = (out.UnprocessedItems?.[config().ATRIUM_TABLE_NAME] ?? []) as typeof requests
    }
  }
}

const page = async (input: {
  index?: string
  pk: string
  pkAttr: string
  limit: number
  start?: Record<string, unknown>
}) => {
  const out = await getDocumentClient().send(
    new QueryCommand({
      TableName: config().ATRIUM_TABLE_NAME,
      IndexName: input.index,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': input.pkAttr },
      ExpressionAttributeValues: { ':pk': input.pk },
      ProjectionExpression: 'PK, SK',
      Limit: input.limit,
      ExclusiveStartKey: input.start,
    }),
  )
  return { keys: (out.Items ?? []) as Key[], next: out.LastEvaluatedKey }
}

/**
 * Deletes up to `budget` items of a released tenant per call: its partition (members, apps,
 * reminders …) and its login-log entries. Returns whether anything is left, so a large tenant
 * is purged across several job runs; the last call takes the tenant off the due index.
 */
export const purgeReleasedTenant = async (
  tenantId: string,
  budget = 500,
): Promise<{ deleted: number; done: boolean }> => {
  let deleted = 0
  const sources = [
    { pk: `T#${tenantId}`, pkAttr: 'PK' },
    { pk: `T#${tenantId}#LOGINS`, pkAttr: 'GSI2PK', index: 'GSI2' },
  ]
  for (const source of sources) {
    let start: Record<string, unknown> | undefined
    do {
      const { keys, next } = await page({ ...source, limit: 100, start })
      const deletable = keys.filter((k) => !kept(k))
      const doomed = deletable.slice(0, budget - deleted)
      await deleteKeys(doomed)
      deleted += doomed.length
      if (doomed.length < deletable.length || (deleted >= budget && next !== undefined))
        return { deleted, done: false }
      start = next
    } while (start !== undefined)
  }
  await TenantEntity.build(UpdateItemCommand)
    .item({ tenantId, DUEPK: $remove(), DUESK: $remove() })
    .options({ condition: { attr: 'status', eq: 'released' } })
    .send()
  return { deleted, done: true }
}
