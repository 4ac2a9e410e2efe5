import type { SeedSummary } from '../lib/platform/seed.js'
import { createTable } from './local/create-table.js'
import { isPortFree, startDynamoDbLocal } from './local/dynamodb-local.js'
import { LOCAL_KOOGALLERY_KEY, localEnv } from './local/env.js'
import { ensureMasterKeyFile } from './local/master-key.js'
import { startOffline } from './local/offline.js'

/** `npm start`: DynamoDB Local, the table, the seed and the API, stopped together on Ctrl-C. */
const TABLE_NAME = 'atrium-local'
const apiPort = Number(process.env.PORT ?? 3000)
const dynamoPort = Number(process.env.DYNAMODB_PORT ?? 8000)
const admin = {
  identifier: process.env.ATRIUM_ADMIN_IDENTIFIER ?? 'admin@atrium.localhost',
  password: process.env.ATRIUM_ADMIN_PASSWORD ?? 'Atrium-admin-2026',
}
const demoPassword = process.env.ATRIUM_DEMO_PASSWORD ?? 'Atrium-demo-2026'

const printSummary = (baseUrl: string, seed: SeedSummary) => {
  const rows = [
    ['API', baseUrl],
    ['API docs', `${baseUrl}/v1/docs`],
    ['OpenAPI', `${baseUrl}/v1/openapi.json`],
    ['JWKS', `${baseUrl}/.well-known/jwks.json`],
    [],
    ['system admin', `${seed.admin.identifier} / ${seed.admin.password}`],
    ...seed.industryAdmins.map((a) => [`${a.industry} admin`, `${a.identifier} / ${a.password}`]),
    [
      'demo tenant admin',
      `${seed.demoTenant.adminIdentifier} / ${seed.demoTenant.adminPassword}  (tenant ${seed.demoTenant.code}: ${seed.demoTenant.name})`,
    ],
    ['demo tenant URLs', `${seed.demoTenant.loginUrl}  ${seed.demoTenant.adminUrl}`],
    [],
    ['KooGallery key (local)', process.env.KOOGALLERY_KEY ?? LOCAL_KOOGALLERY_KEY],
    [],
    ['try', `curl -s ${baseUrl}/v1/auth/login -H 'content-type: application/json' \\`],
    ['', `  -d '{"identifier":"${seed.admin.identifier}","password":"${seed.admin.password}"}'`],
  ]
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length))
  console.log('\nAtrium is running. Ctrl-C stops it.\n')
  for (const [k, v] of rows) console.log(k === undefined ? '' : `  ${k.padEnd(width)}  ${v}`)
  console.log('')
}

const main = async () => {
  for (const [port, variable] of [
    [apiPort, 'PORT'],
    [dynamoPort, 'DYNAMODB_PORT'],
  ] as const) {
    if (!(await isPortFree(port))) {
      console.error(`port ${port} is in use (another npm start?): stop it, or set ${variable} to a free port`)
      process.exit(1)
    }
  }
  const stops: (() => Promise<void>)[] = []
  let stopping = false
  const stopAll = async (code: number) => {
    if (stopping) return
    stopping = true
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    process.exit(code)
  }
  process.on('SIGINT', () => void stopAll(0))
  process.on('SIGTERM', () => void stopAll(0))
  try {
    const dynamo = await startDynamoDbLocal({ port: dynamoPort })
    stops.push(dynamo.stop)
    await createTable(dynamo.endpoint, TABLE_NAME)
    const env = localEnv({
      endpoint: dynamo.endpoint,
      tableName: TABLE_NAME,
      masterKeyFile: ensureMasterKeyFile(),
    })
    Object.assign(process.env, env)
    const { seedPlatform } = await import('../lib/platform/seed.js')
    const seed = await seedPlatform({
      adminIdentifier: admin.identifier,
      adminPassword: admin.password,
      demoPassword,
    })
    const api = await startOffline({ env, port: apiPort })
    stops.push(api.stop)
    printSummary(`http://localhost:${apiPort}`, seed)
  } catch (err) {
    console.error(`npm start failed: ${(err as Error).message}`)
    await stopAll(1)
  }
}

void main()
