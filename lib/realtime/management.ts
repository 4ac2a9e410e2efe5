import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { recordAwsCommand } from '../core/aws-command-log.js'
import { config } from '../core/config.js'

let client: ApiGatewayManagementApiClient | undefined
let clientFor: string | undefined

/**
 * One client per container, for the WebSocket API's management endpoint (a setting: the API's
 * https stage URL in AWS; serverless-offline's WebSocket port locally, which checks no signature).
 */
const managementClient = (endpoint: string): ApiGatewayManagementApiClient => {
  if (client && clientFor === endpoint) return client
  client = new ApiGatewayManagementApiClient({
    region: config().AWS_REGION,
    endpoint,
    ...(endpoint.startsWith('http:')
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  })
  clientFor = endpoint
  return client
}

/** Where the WebSocket API's connections are posted to; undefined: no WebSocket API here, nobody is connected. */
export const managementEndpoint = (): string | undefined => config().WEBSOCKET_MANAGEMENT_URL

const isGone = (err: unknown) =>
  (err as Error)?.name === 'GoneException' ||
  (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 410

/** Posts one frame to a connection: `sent`, or `gone` when API Gateway no longer knows it. */
export const postToConnection = async (
  endpoint: string,
  connectionId: string,
  data: Uint8Array,
): Promise<'sent' | 'gone'> => {
  recordAwsCommand('execute-api:ManageConnections', 'ws-connections')
  try {
    await managementClient(endpoint).send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }),
    )
    return 'sent'
  } catch (err) {
    if (isGone(err)) return 'gone'
    throw err
  }
}

/** Closes a connection (its session ended): API Gateway then sends its `$disconnect`. */
export const closeConnection = async (endpoint: string, connectionId: string): Promise<void> => {
  recordAwsCommand('execute-api:ManageConnections', 'ws-connections')
  try {
    await managementClient(endpoint).send(new DeleteConnectionCommand({ ConnectionId: connectionId }))
  } catch (err) {
    if (!isGone(err)) throw err
  }
}
