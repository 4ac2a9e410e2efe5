import {
  CreateTableCommand,
  DeleteTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { keyAttributes, TABLE } from '../../lib/core/db/table-definition.js'
import { localClient } from './dynamodb-local.js'

/** Creates the single table from its one definition (the same one CDK deploys); idempotent. */
export const createTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = localClient(endpoint)
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyAttributes().map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: Object.entries(TABLE.indexes).map(([name, index]) => ({
          IndexName: name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    )
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      }),
    )
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err
  } finally {
    client.destroy()
  }
}

export const deleteTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = localClient(endpoint)
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }))
  } finally {
    client.destroy()
  }
}
