import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { keyAttributes, TABLE } from '../../lib/core/db/table-definition.js'
import { localClient } from './dynamodb-local.js'

const keySchema = (key: { partitionKey: string; sortKey: string }) => [
  { AttributeName: key.partitionKey, KeyType: 'HASH' as const },
  { AttributeName: key.sortKey, KeyType: 'RANGE' as const },
]

/** As CDK deploys it: directory changes reach who may use which app through the stream. */
const STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const

/** The table from its one definition, the same one CDK deploys (stream included when asked). */
export const createTableInput = (tableName: string, options: TableOptions = {}): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: keyAttributes().map((name) => ({ AttributeName: name, AttributeType: 'S' })),
  KeySchema: keySchema(TABLE),
  GlobalSecondaryIndexes: Object.entries(TABLE.indexes).map(([name, index]) => ({
    IndexName: name,
    KeySchema: keySchema(index),
    Projection: { ProjectionType: 'ALL' },
  })),
  ...(options.stream ? { StreamSpecification: STREAM } : {}),
})

/**
 * A stream costs DynamoDB Local a record per write, which slowed the whole test run threefold:
 * only what reads the stream (the local stack, the stream tests) asks for one.
 */
export interface TableOptions {
  stream?: boolean
}

/** Idempotent: an existing table is kept, and gets TTL and the stream if it was made without. */
export const createTable = async (
  endpoint: string,
  tableName: string,
  options: TableOptions = {},
): Promise<void> => {
  const client = localClient(endpoint)
  try {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName, options)))
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    if (options.stream && !Table?.StreamSpecification?.StreamEnabled) {
      await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM }))
    }
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        }),
      )
    }
  } finally {
    client.destroy()
  }
}

/** Idempotent: a table that is already gone is fine. */
export const deleteTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = localClient(endpoint)
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }))
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err
  } finally {
    client.destroy()
  }
}
