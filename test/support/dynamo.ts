import { forgetSigningKey } from '../../lib/core/auth/signing-keys.js'
import { forgetVerificationKeys } from '../../lib/core/auth/tokens.js'
import { resetConfig } from '../../lib/core/config.js'
import { forgetCiphers } from '../../lib/core/crypto/data-keys.js'
import { resetKeyWrapper } from '../../lib/core/crypto/key-wrapper.js'
import { resetDocumentClient } from '../../lib/core/db/client.js'
import { createTable, deleteTable } from '../../scripts/local/create-table.js'
import { localEnv } from '../../scripts/local/env.js'

let tables = 0

export const testEndpoint = (): string => {
  const endpoint = process.env.ATRIUM_TEST_DYNAMODB_ENDPOINT
  if (!endpoint)
    throw new Error('DynamoDB Local is not running: run tests through jest (global setup starts it)')
  return endpoint
}

/** Points the process at a fresh table for this test file, with every cache reset. */
export const pointAt = (tableName: string): void => {
  Object.assign(
    process.env,
    localEnv({
      endpoint: testEndpoint(),
      tableName,
      masterKeyFile: process.env.ATRIUM_TEST_MASTER_KEY_FILE as string,
    }),
    { LOG_LEVEL: 'error' },
  )
  resetConfig()
  resetDocumentClient()
  resetKeyWrapper()
  forgetCiphers()
  forgetSigningKey()
  forgetVerificationKeys()
}

/** A fresh table per test file on the run's shared DynamoDB Local; deleted afterwards. */
export const useTestTable = (): { tableName: string } => {
  const state = { tableName: `atrium-test-${process.pid}-${++tables}-${Date.now()}` }
  beforeAll(async () => {
    await createTable(testEndpoint(), state.tableName)
    pointAt(state.tableName)
  })
  afterAll(async () => {
    await deleteTable(testEndpoint(), state.tableName)
  })
  return state
}
