import { createTable, deleteTable } from '../../scripts/local/create-table.js'
import { startOffline as startServerlessOffline } from '../../scripts/local/offline.js'
import { pointAt, testEndpoint, testEnv, uniqueTableName } from './dynamo.js'

export interface TestApi {
  baseUrl: string
  tableName: string
  stop(): Promise<void>
}

/**
 * The real handlers behind serverless-offline, on free ports, against a fresh table on the run's
 * DynamoDB Local. This process is pointed at the same table, so a test can seed or inspect it
 * through lib/. `env` overrides the functions' settings.
 */
export const startOffline = async (env: Record<string, string> = {}): Promise<TestApi> => {
  const endpoint = testEndpoint()
  const tableName = uniqueTableName('atrium-e2e')
  await createTable(endpoint, tableName)
  pointAt(tableName)
  try {
    const api = await startServerlessOffline({ env: { ...testEnv(tableName), ...env }, quiet: true })
    return {
      baseUrl: api.baseUrl,
      tableName,
      stop: async () => {
        await api.stop()
        await deleteTable(endpoint, tableName)
      },
    }
  } catch (err) {
    await deleteTable(endpoint, tableName)
    throw err
  }
}
