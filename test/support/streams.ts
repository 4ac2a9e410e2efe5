import { dynamoRequestCount } from '../../lib/core/db/client.js'
import { type LocalStreams, startLocalStreams } from '../../scripts/local/stream-consumers.js'
import { testEndpoint } from './dynamo.js'

/**
 * The table stream's consumers for a test file, as npm start runs them, on its table (made with
 * a stream): started before its tests, stopped after; a test that leaves a consumer failing fails.
 */
export const useLocalStreams = (table: { tableName: string }) => {
  let streams: LocalStreams | undefined
  const failures: string[] = []
  beforeAll(async () => {
    streams = await startLocalStreams({
      endpoint: testEndpoint(),
      tableName: table.tableName,
      idleMs: 20,
      onFailure: (e) => failures.push(e),
    })
  })
  afterAll(async () => {
    await streams?.stop()
  })
  afterEach(() => expect(failures).toEqual([]))
  const running = () => {
    if (!streams) throw new Error('the streams start in beforeAll')
    return streams
  }
  return {
    /** what was written has gone through every consumer, and what they wrote too */
    settle: () => running().drain(),
    /**
     * The DynamoDB requests `fn` sends. The consumers run in this process and share the counter,
     * so what earlier writes set off goes through them first, or it would be counted as `fn`'s.
     */
    counted: async <T>(fn: () => Promise<T>) => {
      await running().drain()
      const before = dynamoRequestCount()
      const value = await fn()
      return { value, requests: dynamoRequestCount() - before }
    },
    /** the provisioning sender's minute */
    retries: () => running().retries(),
  }
}
