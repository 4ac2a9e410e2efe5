import { type AwsResource, recordAwsCommand } from '../aws-command-log.js'

interface DynamoDbInput {
  IndexName?: string
  TransactItems?: Record<string, unknown>[]
}

/** Items of a transaction need the action of the single-item operation they stand for. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
}

/**
 * The IAM actions one DynamoDB command needs, with the resource each names. TransactWriteItems
 * and TransactGetItems are not IAM actions themselves: AWS authorises each of their items as the
 * single-item operation it stands for (ConditionCheck as ConditionCheckItem). A Query or Scan of an
 * index needs the action on the index's ARN, not the table's. Every command here names our table.
 */
export const dynamoDbActions = (
  commandName: string,
  input: DynamoDbInput,
): { action: string; resource: AwsResource; detail: string }[] => {
  const operation = commandName.replace(/Command$/, '')
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return (input.TransactItems ?? []).flatMap((item) =>
      Object.keys(item).map((kind) => ({
        action: `dynamodb:${TRANSACT_ITEM_ACTIONS[kind] ?? kind}`,
        resource: 'table' as const,
        detail: `${operation} ${kind}`,
      })),
    )
  }
  const index = input.IndexName
  return [
    {
      action: `dynamodb:${operation}`,
      resource: index ? `table/index/${index}` : 'table',
      detail: index ? `${operation} ${index}` : operation,
    },
  ]
}

/** Records what one DynamoDB command needs (called by the client's middleware before sending). */
export const recordDynamoDbCommand = (commandName: string, input: object): void => {
  for (const { action, resource, detail } of dynamoDbActions(commandName, input as DynamoDbInput)) {
    recordAwsCommand(action, resource, detail)
  }
}
