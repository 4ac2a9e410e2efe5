import { resetConfig } from '../../lib/core/config.js'
import { createTable, deleteTable } from '../../scripts/local/create-table.js'
import { startOffline as startServerlessOffline } from '../../scripts/local/offline.js'
import { freePort } from '../../scripts/local/process.js'
import { type LocalStreams, startLocalStreams } from '../../scripts/local/stream-consumers.js'
import { pointAt, testEndpoint, testEnv, uniqueTableName } from './dynamo.js'

export interface TestApi {
  baseUrl: string
  /** the WebSocket API (`ws://…`); this process posts to its connections too */
  wsUrl: string
  tableName: string
  /**
   * With `stream`: resolves once every change written before the call went through the stream's
   * consumers, and what they wrote in turn (deliveries to providers, and their sending) too.
   */
  drain(): Promise<void>
  /** with `stream`: the provisioning sender's scheduled minute (retries that are due) */
  retries(): Promise<unknown>
  stop(): Promise<void>
}

export interface TestApiOptions {
  /**
   * The table gets its stream and this process runs its consumers (access-events, the
   * provisioning changes and sender) as npm start does: serverless-offline reads no streams.
   */
  stream?: boolean
}

/**
 * The real handlers behind serverless-offline, on free ports, against a fresh table on the run's
 * DynamoDB Local. This process is pointed at the same table, so a test can seed or inspect it
 * through lib/. `env` overrides the functions' settings. PUBLIC_API_URL is the API's address here,
 * in the functions and in this process (whose stream consumers tell providers of it).
 */
export const startOffline = async (
  env: Record<string, string> = {},
  options: TestApiOptions = {},
): Promise<TestApi> => {
  const endpoint = testEndpoint()
  const tableName = uniqueTableName('atrium-e2e')
  await createTable(endpoint, tableName, { stream: options.stream })
  pointAt(tableName)
  const port = await freePort()
  const websocketPort = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  process.env.PUBLIC_API_URL = baseUrl
  process.env.WEBSOCKET_MANAGEMENT_URL = `http://127.0.0.1:${websocketPort}`
  resetConfig()
  let poller: LocalStreams | undefined
  const failures: string[] = []
  try {
    if (options.stream) {
      poller = await startLocalStreams({
        endpoint,
        tableName,
        idleMs: 20,
        onFailure: (e) => failures.push(e),
      })
    }
    const api = await startServerlessOffline({
      env: { ...testEnv(tableName), PUBLIC_API_URL: baseUrl, ...env },
      port,
      websocketPort,
      quiet: true,
    })
    return {
      baseUrl: api.baseUrl,
      wsUrl: api.wsUrl,
      tableName,
      drain: async () => {
        if (!poller) throw new Error('startOffline({}, { stream: true }) runs the stream consumers')
        await poller.drain()
        if (failures.length > 0) throw new Error(`the stream consumers failed: ${failures.join('; ')}`)
      },
      retries: async () => {
        if (!poller) throw new Error('startOffline({}, { stream: true }) runs the stream consumers')
        return poller.retries()
      },
      stop: async () => {
        await poller?.stop()
        await api.stop()
        await deleteTable(endpoint, tableName)
      },
    }
  } catch (err) {
    await poller?.stop()
    await deleteTable(endpoint, tableName)
    throw err
  }
}
