import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { register } from 'tsx/cjs/api'
import type * as DynamoDbLocal from '../../scripts/local/dynamodb-local.js'
import type * as LocalEnv from '../../scripts/local/env.js'
import type * as MasterKey from '../../scripts/local/master-key.js'

/** One DynamoDB Local for the whole run; each test file makes its own table on it. */
export default async function globalSetup(): Promise<void> {
  // Jest's module mapping does not reach global setup; tsx resolves our `.js` import specifiers.
  const unregister = register()
  const { startDynamoDbLocal } = require('../../scripts/local/dynamodb-local.ts') as typeof DynamoDbLocal
  const { ensureMasterKeyFile } = require('../../scripts/local/master-key.ts') as typeof MasterKey
  const { localEnv } = require('../../scripts/local/env.ts') as typeof LocalEnv
  unregister()
  const started = Date.now()
  const dynamo = await startDynamoDbLocal()
  const masterKeyFile = ensureMasterKeyFile(join(mkdtempSync(join(tmpdir(), 'atrium-test-')), 'master.key'))
  process.env.ATRIUM_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint
  process.env.ATRIUM_TEST_MASTER_KEY_FILE = masterKeyFile
  // Handlers validate settings when imported; each test file then points them at its own table.
  Object.assign(
    process.env,
    localEnv({ endpoint: dynamo.endpoint, tableName: 'atrium-test-no-table', masterKeyFile }),
    {
      LOG_LEVEL: 'error',
    },
  )
  ;(globalThis as { atriumDynamo?: typeof dynamo }).atriumDynamo = dynamo
  console.log(`\nDynamoDB Local ready on ${dynamo.endpoint} in ${Date.now() - started} ms`)
}
