import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { register } from 'tsx/cjs/api'
import type * as DynamoDbLocal from '../../scripts/local/dynamodb-local.js'
import type * as LocalEnv from '../../scripts/local/env.js'
import type * as MasterKey from '../../scripts/local/master-key.js'
import type * as Shared from './shared-stack.js'

/** One DynamoDB Local for the whole run; each test file makes its own table on it. */
export default async function globalSetup(): Promise<void> {
  // Jest's module mapping does not reach global setup; tsx resolves our `.js` import specifiers.
  const unregister = register()
  const { startDynamoDbLocal } = require('../../scripts/local/dynamodb-local.ts') as typeof DynamoDbLocal
  const { ensureMasterKeyFile } = require('../../scripts/local/master-key.ts') as typeof MasterKey
  const { localEnv } = require('../../scripts/local/env.ts') as typeof LocalEnv
  const { TEST_ENV } = require('./shared-stack.ts') as typeof Shared
  unregister()
  // the SDK's notice that it will require Node 22, once per run is enough
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const started = Date.now()
  const dynamo = await startDynamoDbLocal()
  const keyDir = mkdtempSync(join(tmpdir(), 'atrium-test-'))
  const masterKeyFile = ensureMasterKeyFile(join(keyDir, 'master.key'))
  // Each function's AWS commands, for test/iam: the folder npm test gives both its passes, or one
  // beside the key that global teardown removes with it.
  const commandLog = process.env.ATRIUM_AWS_COMMAND_LOG || join(keyDir, 'aws-commands')
  mkdirSync(commandLog, { recursive: true })
  process.env[TEST_ENV.endpoint] = dynamo.endpoint
  process.env[TEST_ENV.masterKeyFile] = masterKeyFile
  // Handlers validate settings when imported; each test file then points them at its own table.
  Object.assign(
    process.env,
    localEnv({ endpoint: dynamo.endpoint, tableName: 'atrium-test-no-table', masterKeyFile }),
    { LOG_LEVEL: 'error', POWERTOOLS_METRICS_DISABLED: 'true', ATRIUM_AWS_COMMAND_LOG: commandLog },
  )
  ;(globalThis as Shared.SharedStack).atriumTestStack = { stop: dynamo.stop, keyDir }
  console.log(`\nDynamoDB Local ready on ${dynamo.endpoint} in ${Date.now() - started} ms`)
}
