import { createTable } from './local/create-table.js'
import { type RunningDynamoDb, startDynamoDbLocal } from './local/dynamodb-local.js'
import { localEnv } from './local/env.js'
import { ensureMasterKeyFile } from './local/master-key.js'
import { type RunningApi, startOffline } from './local/offline.js'
import { isPortFree, portFromEnv } from './local/process.js'
import type { SeedSummary } from './seed.js'

/** `npm start`: DynamoDB Local, the table, the seed and the API, stopped together on Ctrl-C. */
const TABLE_NAME = 'atrium-local'
const DEFAULTS = {
  adminIdentifier: 'admin@atrium.localhost',
  adminPassword: 'Atrium-admin-2026',
  demoPassword: 'Atrium-demo-2026',
}

const printSummary = (baseUrl: string, seed: SeedSummary, koogalleryKey: string) => {
  const rows: [string, string][] = [
    ['API', baseUrl],
    ['API docs', `${baseUrl}/v1/docs`],
    ['OpenAPI', `${baseUrl}/v1/openapi.json`],
    ['JWKS', `${baseUrl}/.well-known/jwks.json`],
    ['', ''],
    ['system admin', `${seed.admin.identifier} / ${seed.admin.password}`],
    ...seed.industryAdmins.map((a): [string, string] => [
      `${a.industry} admin`,
      `${a.identifier} / ${a.password}`,
    ]),
    [
      'demo tenant admin',
      `${seed.demoTenant.adminIdentifier} / ${seed.demoTenant.adminPassword}  (tenant code ${seed.demoTenant.code}: ${seed.demoTenant.name})`,
    ],
    ['demo tenant URLs', `${seed.demoTenant.loginUrl}  ${seed.demoTenant.adminUrl}`],
    ['', ''],
    ['KooGallery key (local)', koogalleryKey],
    ['', ''],
    ['try', `curl -s ${baseUrl}/v1/auth/login -H 'content-type: application/json' \\`],
    ['', `  -d '{"identifier":"${seed.admin.identifier}","password":"${seed.admin.password}"}'`],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  console.log('\nAtrium is running. Ctrl-C stops it.\n')
  for (const [k, v] of rows) console.log(k || v ? `  ${k.padEnd(width)}  ${v}` : '')
  console.log('')
}

const main = async () => {
  // before any AWS SDK client exists in this process
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const ports = {
    PORT: portFromEnv('PORT', 3000),
    LAMBDA_PORT: portFromEnv('LAMBDA_PORT', 3002),
    DYNAMODB_PORT: portFromEnv('DYNAMODB_PORT', 8000),
  }
  // Checked up front, so a second `npm start` fails at once, naming the setting to change.
  for (const [variable, port] of Object.entries(ports)) {
    if (port !== 0 && !(await isPortFree(port))) {
      console.error(`port ${port} is in use (another npm start?): stop what listens there or set ${variable}`)
      process.exit(1)
    }
  }

  let dynamo: RunningDynamoDb | undefined
  let api: RunningApi | undefined
  let stopping = false
  const stopAll = async (code: number) => {
    if (stopping) return
    stopping = true
    await api?.stop().catch(() => undefined)
    await dynamo?.stop().catch(() => undefined)
    process.exit(code)
  }
  process.on('SIGINT', () => void stopAll(0))
  process.on('SIGTERM', () => void stopAll(0))

  try {
    const started = Date.now()
    dynamo = await startDynamoDbLocal({ port: ports.DYNAMODB_PORT })
    console.log(`DynamoDB Local ready on ${dynamo.endpoint} (${Date.now() - started} ms)`)
    await createTable(dynamo.endpoint, TABLE_NAME)
    const env = localEnv({
      endpoint: dynamo.endpoint,
      tableName: TABLE_NAME,
      masterKeyFile: ensureMasterKeyFile(),
    })
    Object.assign(process.env, env)
    // Imported only now: the functions' modules read their settings on first use.
    const { seedPlatform } = await import('./seed.js')
    const seed = await seedPlatform({
      adminIdentifier: process.env.ATRIUM_ADMIN_IDENTIFIER || DEFAULTS.adminIdentifier,
      adminPassword: process.env.ATRIUM_ADMIN_PASSWORD || DEFAULTS.adminPassword,
      demoPassword: process.env.ATRIUM_DEMO_PASSWORD || DEFAULTS.demoPassword,
    })
    const offlineStarted = Date.now()
    console.log('starting serverless-offline (it bundles every function first) …')
    api = await startOffline({ env, port: ports.PORT, lambdaPort: ports.LAMBDA_PORT })
    console.log(`serverless-offline ready (${Date.now() - offlineStarted} ms)`)
    printSummary(`http://localhost:${api.port}`, seed, env.KOOGALLERY_KEY as string)
  } catch (err) {
    console.error(`npm start failed: ${(err as Error).message}`)
    await stopAll(1)
  }
}

main().catch((err: Error) => {
  console.error(`npm start failed: ${err.message}`)
  process.exit(1)
})
