import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { TABLE } from '../lib/core/db/table-definition.js'
import { type Image, itemBytes } from './capacity.js'

/** AWS bills 100 bytes of overhead per stored item, on the table and on each index entry. */
const ITEM_OVERHEAD = 100

export interface Stored {
  /** table plus index entries, overhead included */
  bytes: number
  /** the table's part alone (point-in-time recovery is billed on it) */
  tableBytes: number
  entity: string
  ttlEpoch?: number
}

const describe = (item: Image): Stored => {
  const size = itemBytes(item) + ITEM_OVERHEAD
  const entries = Object.values(TABLE.indexes).filter((i) => item[i.partitionKey] && item[i.sortKey]).length
  const ttl = item[TABLE.ttlAttribute]?.N
  return {
    bytes: size * (1 + entries),
    tableBytes: size,
    entity: item._et?.S ?? String(item[TABLE.sortKey]?.S).replace(/#.*/, ''),
    ...(ttl ? { ttlEpoch: Number(ttl) } : {}),
  }
}

/** Every item of the table by key, as stored and billed (a benchmark may scan; requests may not). */
export const snapshot = async (client: DynamoDBClient, tableName: string) => {
  const items = new Map<string, Stored>()
  let ExclusiveStartKey: Image | undefined
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey }),
    )
    for (const item of page.Items ?? [])
      items.set(`${item[TABLE.partitionKey]?.S}\u0000${item[TABLE.sortKey]?.S}`, describe(item))
    ExclusiveStartKey = page.LastEvaluatedKey
  } while (ExclusiveStartKey)
  return items
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>

export interface Footprint {
  /** what the tenant's setup left, per member, items without TTL */
  staticBytes: number
  staticTableBytes: number
  /** net bytes a member-day leaves for good (audit, accounts of removed members …) */
  permanentBytesPerDay: number
  /** items a member-day writes with a TTL, held for their lifetime: bytes at steady state by entity */
  expiring: Record<string, { bytesPerDay: number; lifetimeDays: number }>
}

/**
 * Bytes per member from three snapshots: before the tenant existed, after its setup, after one
 * member-day of every member. Items with a TTL count for the days they live.
 */
export const footprint = (
  before: Snapshot,
  setUp: Snapshot,
  after: Snapshot,
  members: number,
  dayEpoch: number,
) => {
  let staticBytes = 0
  let staticTableBytes = 0
  for (const [key, s] of setUp)
    if (!before.has(key) && s.ttlEpoch === undefined) {
      staticBytes += s.bytes
      staticTableBytes += s.tableBytes
    }
  let permanent = 0
  const expiring: Footprint['expiring'] = {}
  for (const [key, s] of after) {
    const was = setUp.get(key)
    if (s.ttlEpoch === undefined) permanent += s.bytes - (was?.bytes ?? 0)
    else if (!was) {
      const e = expiring[s.entity] ?? { bytesPerDay: 0, lifetimeDays: 0 }
      expiring[s.entity] = {
        bytesPerDay: e.bytesPerDay + s.bytes / members,
        lifetimeDays: Math.max(e.lifetimeDays, (s.ttlEpoch - dayEpoch) / 86_400),
      }
    }
  }
  for (const [key, s] of setUp) if (!after.has(key) && s.ttlEpoch === undefined) permanent -= s.bytes
  return {
    staticBytes: staticBytes / members,
    staticTableBytes: staticTableBytes / members,
    permanentBytesPerDay: permanent / members,
    expiring,
  } satisfies Footprint
}
