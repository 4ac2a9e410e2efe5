import { createTable, deleteTable, type TableOptions } from '../../scripts/local/create-table.js'
import { localEnv } from '../../scripts/local/env.js'
import { switchSettings } from '../../scripts/local/table-switch.js'
import { TEST_ENV } from './shared-stack.js'

const fromSetup = (variable: string): string => {
  const value = process.env[variable]
  if (!value)
    throw new Error(
      `${variable} is not set: run the tests through jest (its global setup starts DynamoDB Local)`,
    )
  return value
}

/** The run's shared DynamoDB Local. */
export const testEndpoint = (): string => fromSetup(TEST_ENV.endpoint)
export const testMasterKeyFile = (): string => fromSetup(TEST_ENV.masterKeyFile)

let tables = 0
/** Unique across the run: test files run in parallel workers unless --runInBand. */
export const uniqueTableName = (prefix = 'atrium-test'): string =>
  `${prefix}-${process.pid}-${++tables}-${Date.now().toString(36)}`

/** The functions' settings for `tableName` on the shared DynamoDB Local. */
export const testEnv = (tableName: string): Record<string, string> => ({
  ...localEnv({ endpoint: testEndpoint(), tableName, masterKeyFile: testMasterKeyFile() }),
  LOG_LEVEL: 'error',
  // EMF lines go to stdout past Jest's console; the metrics unit test turns them on for itself
  POWERTOOLS_METRICS_DISABLED: 'true',
  // tests ask for many codes from one address; the limit itself is tested on its own
  CODE_REQUESTS_PER_HOUR_PER_ADDRESS: '10000',
  // the provisioning sender's wait for a burst: short here, each test's changes come one by one
  PROVISIONING_SETTLE_MS: '200',
})

/** Points this process at `tableName`, dropping every setting, client and key cached for another. */
export const pointAt = (tableName: string): void => switchSettings(testEnv(tableName))

/** A fresh table for this test file on the run's shared DynamoDB Local; deleted afterwards. */
export const useTestTable = (options: TableOptions = {}): { tableName: string } => {
  const state = { tableName: uniqueTableName() }
  beforeAll(async () => {
    await createTable(testEndpoint(), state.tableName, options)
    pointAt(state.tableName)
  })
  afterAll(async () => {
    await deleteTable(testEndpoint(), state.tableName)
  })
  return state
}
