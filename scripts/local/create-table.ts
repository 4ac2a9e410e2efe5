import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { keyAttributes, TABLE } from '../../lib/core/db/table-definition.js'
import { localClient } from './dynamodb-local.js'

const keySchema = (key: { partitionKey: string; sortKey: string }) => [
  { AttributeName: key.partitionKey, KeyType: 'HASH' as const },
  { AttributeName: key.sortKey, KeyType: 'RANGE' as const },
]

/** The table from its one definition, the same one CDK deploys. */
export const createTableInput = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: keyAttributes().map((name) => ({ AttributeName: name, AttributeType: 'S' })),
  KeySchema: keySchema(TABLE),
  GlobalSecondaryIndexes: Object.entries(TABLE.indexes).map(([name, index]) => ({
    IndexName: name,
    KeySchema: keySchema(index),
    Projection: { ProjectionType: 'ALL' },
  })),
})

/** Idempotent: an existing table is kept, and gets TTL if an interrupted run left it without. */
export const createTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = localClient(endpoint)
  try {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)))
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err
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
