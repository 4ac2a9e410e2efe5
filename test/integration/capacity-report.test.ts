import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { config } from '../../lib/core/config.js'
import {
  dynamoCapacityByCommand,
  dynamoRequestsByCommand,
  getDocumentClient,
} from '../../lib/core/db/client.js'
import { useTestTable } from '../support/dynamo.js'

describe('the application DynamoDB client', () => {
  useTestTable()
  const db = () => getDocumentClient()
  const since = (before: ReturnType<typeof dynamoCapacityByCommand>, command: string) => {
    const now = dynamoCapacityByCommand()[command] ?? { units: 0, reported: 0 }
    return {
      units: now.units - (before[command]?.units ?? 0),
      reported: now.reported - (before[command]?.reported ?? 0),
    }
  }

  it('asks every request for the capacity it consumed and tallies it by command', async () => {
    const TableName = config().ATRIUM_TABLE_NAME
    const before = dynamoCapacityByCommand()
    await db().send(new PutCommand({ TableName, Item: { PK: 'CAP', SK: '1', pad: 'x'.repeat(1500) } }))
    await db().send(new GetCommand({ TableName, Key: { PK: 'CAP', SK: '1' }, ConsistentRead: true }))
    await db().send(new GetCommand({ TableName, Key: { PK: 'CAP', SK: '1' } }))
    expect(since(before, 'PutItemCommand')).toEqual({ units: 2, reported: 1 })
    expect(since(before, 'GetItemCommand')).toEqual({ units: 1.5, reported: 2 })
  })

  it("keeps a caller's own level of detail and still answers the caller", async () => {
    const TableName = config().ATRIUM_TABLE_NAME
    const out = await db().send(
      new GetCommand({ TableName, Key: { PK: 'CAP', SK: '1' }, ReturnConsumedCapacity: 'INDEXES' }),
    )
    expect(out.ConsumedCapacity?.Table?.CapacityUnits).toBe(0.5)
    expect(out.Item?.pad).toHaveLength(1500)
  })

  it('counts a failed request, which reports no capacity', async () => {
    const TableName = config().ATRIUM_TABLE_NAME
    const before = dynamoCapacityByCommand()
    const requests = dynamoRequestsByCommand().PutItemCommand ?? 0
    await expect(
      db().send(
        new PutCommand({
          TableName,
          Item: { PK: 'CAP', SK: '1' },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' })
    expect(dynamoRequestsByCommand().PutItemCommand).toBe(requests + 1)
    expect(since(before, 'PutItemCommand')).toEqual({ units: 0, reported: 0 })
  })
})
