import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { recordingAwsCommands } from '../aws-command-log.js'
import { config } from '../config.js'
import { recordDynamoDbCommand } from './iam-actions.js'

let documentClient: DynamoDBDocumentClient | undefined
let requestCount = 0
let itemsRead = 0
const byCommand: Record<string, number> = {}

/** One client per container, created on first use with the validated config. */
export const getDocumentClient = (): DynamoDBDocumentClient => {
  if (documentClient) return documentClient
  const { AWS_REGION, DYNAMODB_ENDPOINT } = config()
  const client = new DynamoDBClient({
    region: AWS_REGION,
    ...(DYNAMODB_ENDPOINT
      ? { endpoint: DYNAMODB_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  })
  // Counts requests and the items they read, so benchmarks report measured figures, not estimates.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requestCount++
      byCommand[context.commandName ?? 'unknown'] = (byCommand[context.commandName ?? 'unknown'] ?? 0) + 1
      const result = await next(args)
      const out = result.output as { Count?: number; Item?: unknown; Responses?: Record<string, unknown[]> }
      itemsRead +=
        out.Count ?? (out.Item ? 1 : 0) + Object.values(out.Responses ?? {}).reduce((n, r) => n + r.length, 0)
      return result
    },
    { step: 'initialize', name: 'atriumRequestCounter' },
  )
  if (recordingAwsCommands()) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        recordDynamoDbCommand(context.commandName ?? 'unknown', args.input)
        return next(args)
      },
      { step: 'initialize', name: 'atriumCommandLog' },
    )
  }
  documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  })
  return documentClient
}

export const dynamoRequestCount = (): number => requestCount
/** Items returned by reads (Query count, GetItem hits, BatchGet responses), for benchmarks. */
export const dynamoItemsRead = (): number => itemsRead
/** Requests so far by command (GetItemCommand, TransactWriteItemsCommand, …). */
export const dynamoRequestsByCommand = (): Readonly<Record<string, number>> => ({ ...byCommand })

/** Tests point the process at another table or endpoint between suites. */
export const resetDocumentClient = (): void => {
  documentClient = undefined
}
