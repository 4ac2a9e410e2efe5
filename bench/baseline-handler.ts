import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'

/** The yardstick: a function that holds only a DynamoDB document client and reads one item. */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}))

export const handler = async () =>
  client.send(new GetCommand({ TableName: process.env.ATRIUM_TABLE_NAME, Key: { PK: 'a', SK: 'b' } }))
