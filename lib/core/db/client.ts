import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { recordingAwsCommands } from '../aws-command-log.js'
import { config } from '../config.js'
import { recordDynamoDbCommand } from './iam-actions.js'

let documentClient: DynamoDBDocumentClient | undefined
let requestCount = 0
let itemsRead = 0
const byCommand: Record<string, number> = {}
const capacity: Record<string, { units: number; reported: number }> = {}

type Consumed = { CapacityUnits?: number }
const unitsOf = (c: Consumed | Consumed[] | undefined): number | undefined =>
  c === undefined ? undefined : [c].flat().reduce((n, x) => n + (x.CapacityUnits ?? 0), 0)

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
  // Counts requests, the items they read and the capacity DynamoDB says they consumed (asked of
  // every request: it is free), so benchmarks report measured figures, not estimates.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown'
      requestCount++
      byCommand[command] = (byCommand[command] ?? 0) + 1
      const input = args.input as { ReturnConsumedCapacity?: string }
      const result = await next({
        ...args,
        input: { ...input, ReturnConsumedCapacity: input.ReturnConsumedCapacity ?? 'TOTAL' },
      })
      const out = result.output as {
        Count?: number
        Item?: unknown
        Responses?: Record<string, unknown[]>
        ConsumedCapacity?: Consumed | Consumed[]
      }
      itemsRead +=
        out.Count ?? (out.Item ? 1 : 0) + Object.values(out.Responses ?? {}).reduce((n, r) => n + r.length, 0)
      const units = unitsOf(out.ConsumedCapacity)
      if (units !== undefined) {
        const c = capacity[command] ?? { units: 0, reported: 0 }
        capacity[command] = { units: c.units + units, reported: c.reported + 1 }
      }
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

/**
 * Capacity units DynamoDB reported, by command, and how many requests reported them (a failed
 * request reports none). Read and write units both, as the service counts them.
 */
export const dynamoCapacityByCommand = (): Readonly<Record<string, { units: number; reported: number }>> =>
  Object.fromEntries(Object.entries(capacity).map(([k, v]) => [k, { ...v }]))

/** Tests point the process at another table or endpoint between suites. */
export const resetDocumentClient = (): void => {
  documentClient = undefined
}
