import { dynamoDbActions } from '../../lib/core/db/iam-actions.js'

describe('the IAM actions of a DynamoDB command', () => {
  it('authorises each item of a write transaction as its single-item operation', () => {
    const actions = dynamoDbActions('TransactWriteItemsCommand', {
      TransactItems: [{ Put: {} }, { Update: {} }, { Delete: {} }, { ConditionCheck: {} }],
    })
    expect(actions.map((a) => [a.action, a.resource])).toEqual([
      ['dynamodb:PutItem', 'table'],
      ['dynamodb:UpdateItem', 'table'],
      ['dynamodb:DeleteItem', 'table'],
      ['dynamodb:ConditionCheckItem', 'table'],
    ])
  })

  it('authorises the items of a read transaction as GetItem', () => {
    expect(dynamoDbActions('TransactGetItemsCommand', { TransactItems: [{ Get: {} }, { Get: {} }] })).toEqual(
      [
        { action: 'dynamodb:GetItem', resource: 'table', detail: 'TransactGetItems Get' },
        { action: 'dynamodb:GetItem', resource: 'table', detail: 'TransactGetItems Get' },
      ],
    )
  })

  it('names the index a Query reads, and the table otherwise', () => {
    expect(dynamoDbActions('QueryCommand', { IndexName: 'GSI1' })).toEqual([
      { action: 'dynamodb:Query', resource: 'table/index/GSI1', detail: 'Query GSI1' },
    ])
    expect(dynamoDbActions('QueryCommand', {})[0]?.resource).toBe('table')
    expect(dynamoDbActions('BatchGetItemCommand', {})[0]).toMatchObject({
      action: 'dynamodb:BatchGetItem',
      resource: 'table',
    })
  })
})
