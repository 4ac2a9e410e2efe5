import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { config } from '../config.js'

let documentClient: DynamoDBDocumentClient | undefined
let requestCount = 0

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
  // Counts real requests (not retries of the SDK's own), so benchmarks report measured figures.
  client.middlewareStack.add(
    (next) => async (args) => {
      requestCount++
      return next(args)
    },
    { step: 'initialize', name: 'atriumRequestCounter' },
  )
  documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  })
  return documentClient
}

export const dynamoRequestCount = (): number => requestCount

/** Tests point the process at another table or endpoint between suites. */
export const resetDocumentClient = (): void => {
  documentClient = undefined
}
