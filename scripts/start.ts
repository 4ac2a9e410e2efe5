import { type RunningAwsMarketplace, startAwsMarketplace } from './local/aws-marketplace.js'
import { createTable } from './local/create-table.js'
import { type DemoApp, startDemoApp } from './local/demo-app.js'
import { type RunningDynamoDb, startDynamoDbLocal } from './local/dynamodb-local.js'
import {
  DEMO_LOGINS,
  demoPassword,
  LOCAL_MEDIA_BUCKET,
  LOCAL_TABLE_NAME,
  localEnv,
  localPort,
} from './local/env.js'
import { type LocalOpenApi, localOrder, startKooGalleryOpenApi } from './local/koogallery-openapi.js'
import { ensureMasterKeyFile } from './local/master-key.js'
import { type RunningApi, startOffline } from './local/offline.js'
import { freePort, isPortFree } from './local/process.js'
import { type RunningS3, startS3 } from './local/s3.js'
import { type LocalStreams, startLocalStreams } from './local/stream-consumers.js'
import type { SeedSummary } from './seed.js'

/**
 * `npm start [-- --verbose]`: DynamoDB Local, the table, the seed and the API, stopped together on
 * Ctrl-C. serverless-offline's own output (its route table, the functions' request logs) shows
 * with --verbose or ATRIUM_VERBOSE=1, and whenever it fails.
 */
const USAGE = 'usage: npm start [-- --verbose]   (or ATRIUM_VERBOSE=1 npm start)'

const printSummary = (
  baseUrl: string,
  wsUrl: string,
  seed: SeedSummary,
  koogalleryKey: string,
  verbose: boolean,
  demoAppOrigin: string,
  awsMarketplaceOrigin: string,
  s3Endpoint: string,
) => {
  const { demoTenant } = seed
  const rows: [string, string][] = [
    ['API', `${baseUrl}  (a browser lands on the API docs)`],
    ['API docs', `${baseUrl}/v1/docs`],
    ['OpenAPI', `${baseUrl}/v1/openapi.json`],
    ['JWKS', `${baseUrl}/.well-known/jwks.json`],
    ['WebSocket', `${wsUrl}/?access_token=<a member's access token>  (messages: send, read; deliveries)`],
    ['S3 (media)', `${s3Endpoint}/  (a local stand-in: uploaded images, bucket ${LOCAL_MEDIA_BUCKET})`],
    ['', ''],
    ['system admin', `${seed.admin.identifier} / ${seed.admin.password}`],
    ...seed.industryAdmins.map((a): [string, string] => [
      `${a.industry} admin`,
      `${a.identifier} / ${a.password}`,
    ]),
    [
      'demo tenant admin',
      `${demoTenant.adminIdentifier} / ${demoTenant.adminPassword}  (tenant code ${demoTenant.code}: ${demoTenant.name})`,
    ],
    [
      'demo member',
      `${demoTenant.member.identifier} / ${demoTenant.member.password}  (${demoTenant.member.name}, business admin: ${demoTenant.member.role})`,
    ],
    [
      'web workbench',
      `${baseUrl}/t/${demoTenant.code}/  (the demo tenant's hosted sign-in, then the member's home, apps, news, contacts)`,
    ],
    ['OIDC discovery', `${baseUrl}/t/${demoTenant.code}/.well-known/openid-configuration`],
    [
      'demo apps',
      `${demoAppOrigin}/  (an OIDC, a workbench OAuth2 and a CAS app of the demo tenant: sign in as the demo member)`,
    ],
    [
      'app provider',
      'npm run provider  (in another terminal: a stand-in provider the demo syncs to, then signs in)',
    ],
    ['', ''],
    ['KooGallery key (local)', koogalleryKey],
    [
      'AWS Marketplace',
      `${awsMarketplaceOrigin}/  (a local stand-in: subscribe to an edition, land on the registration page)`,
    ],
    ['', ''],
    ['try', `curl -s ${baseUrl}/v1/auth/login -H 'content-type: application/json' \\`],
    ['', `  -d '{"identifier":"${seed.admin.identifier}","password":"${seed.admin.password}"}'`],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  console.log('\nAtrium is running. Ctrl-C stops it.\n')
  for (const [k, v] of rows) console.log(k || v ? `  ${k.padEnd(width)}  ${v}` : '')
  console.log('\n  codes and messages the API sends (e-mail, SMS) are printed here as they go out')
  if (!verbose) console.log("  serverless-offline's output and the functions' logs: npm start -- --verbose")
  console.log('')
}

/** --verbose or ATRIUM_VERBOSE=1; anything else on the command line is a mistake worth saying. */
const verboseFrom = (args: string[]): boolean => {
  const unknown = args.filter((a) => a !== '--verbose')
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown.join(' ')}\n${USAGE}`)
    process.exit(2)
  }
  return args.includes('--verbose') || ['1', 'true'].includes(process.env.ATRIUM_VERBOSE ?? '')
}

const main = async () => {
  // before any AWS SDK client exists in this process
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const verbose = verboseFrom(process.argv.slice(2))
  const ports = {
    PORT: localPort('PORT'),
    WEBSOCKET_PORT: localPort('WEBSOCKET_PORT'),
    LAMBDA_PORT: localPort('LAMBDA_PORT'),
    DYNAMODB_PORT: localPort('DYNAMODB_PORT'),
    DEMO_APP_PORT: localPort('DEMO_APP_PORT'),
    AWS_MARKETPLACE_PORT: localPort('AWS_MARKETPLACE_PORT'),
    S3_PORT: localPort('S3_PORT'),
    // played here only when no real open API is configured
    ...(process.env.KOOGALLERY_OPENAPI_URL
      ? {}
      : { KOOGALLERY_OPENAPI_PORT: localPort('KOOGALLERY_OPENAPI_PORT') }),
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
  let stopPrinting: (() => void) | undefined
  let stream: LocalStreams | undefined
  let retries: NodeJS.Timeout | undefined
  let demo: DemoApp | undefined
  let awsMarketplace: RunningAwsMarketplace | undefined
  let openApi: LocalOpenApi | undefined
  let s3: RunningS3 | undefined
  let stopping = false
  const stopAll = async (code: number) => {
    if (stopping) return
    stopping = true
    stopPrinting?.()
    clearInterval(retries)
    await stream?.stop().catch(() => undefined)
    await demo?.stop().catch(() => undefined)
    await awsMarketplace?.stop().catch(() => undefined)
    await openApi?.stop().catch(() => undefined)
    await api?.stop().catch(() => undefined)
    await dynamo?.stop().catch(() => undefined)
    await s3?.stop().catch(() => undefined)
    process.exit(code)
  }
  process.on('SIGINT', () => void stopAll(0))
  process.on('SIGTERM', () => void stopAll(0))

  try {
    const started = Date.now()
    dynamo = await startDynamoDbLocal({ port: ports.DYNAMODB_PORT })
    console.log(`DynamoDB Local ready on ${dynamo.endpoint} (${Date.now() - started} ms)`)
    await createTable(dynamo.endpoint, LOCAL_TABLE_NAME, { stream: true })
    const env = localEnv({
      endpoint: dynamo.endpoint,
      tableName: LOCAL_TABLE_NAME,
      masterKeyFile: ensureMasterKeyFile(),
    })
    // uploaded images (branding now; news covers, portal banners) go to the S3 stand-in
    s3 = await startS3({ port: ports.S3_PORT, bucket: env.MEDIA_BUCKET as string })
    env.S3_ENDPOINT = s3.endpoint
    // known before anything reads the settings: providers are told the tenants' addresses on it
    const apiPort = ports.PORT || (await freePort())
    env.PUBLIC_API_URL = `http://localhost:${apiPort}`
    awsMarketplace = await startAwsMarketplace({
      port: ports.AWS_MARKETPLACE_PORT,
      registrationUrl: `${env.PUBLIC_API_URL}/v1/marketplace/aws/register`,
    })
    env.AWS_MARKETPLACE_ENDPOINT = awsMarketplace.origin
    if (ports.KOOGALLERY_OPENAPI_PORT !== undefined) {
      // KooGallery V2 reads its orders here: those npm run marketplace -- --v2 placed
      openApi = await startKooGalleryOpenApi({
        port: ports.KOOGALLERY_OPENAPI_PORT,
        ak: env.KOOGALLERY_OPENAPI_AK as string,
        sk: env.KOOGALLERY_OPENAPI_SK as string,
        orders: (orderId) => localOrder(orderId),
      })
      env.KOOGALLERY_OPENAPI_URL = openApi.url
    }
    Object.assign(process.env, env)
    // The stream's consumer runs in this process (serverless-offline reads no streams); its log
    // lines stay out of the way unless asked for.
    if (!verbose) process.env.LOG_LEVEL ??= 'warn'
    // Imported only now: the functions' modules read their settings on first use.
    stream = await startLocalStreams({
      endpoint: dynamo.endpoint,
      tableName: LOCAL_TABLE_NAME,
      onFailure: (e) => console.error(`stream: ${e}`),
    })
    // the provisioning sender's minute, more often here: a retry the admin asked for goes out soon
    const streams = stream
    retries = setInterval(() => void streams.retries().catch(() => undefined), 10_000)
    const { seedPlatform } = await import('./seed.js')
    const seed = await seedPlatform({
      adminIdentifier: process.env.ATRIUM_ADMIN_IDENTIFIER || DEMO_LOGINS.adminIdentifier,
      adminPassword: process.env.ATRIUM_ADMIN_PASSWORD || DEMO_LOGINS.adminPassword,
      demoPassword: demoPassword(),
    })
    // the demo relying party first: its address is what the demo apps register
    demo = await startDemoApp(ports.DEMO_APP_PORT)
    const { tenantIdByCode } = await import('../lib/tenants/queries.js')
    const { trustedTenantId } = await import('../lib/core/tenancy.js')
    const { seedDemoApps } = await import('./demo-apps.js')
    const demoTenantId = trustedTenantId((await tenantIdByCode(seed.demoTenant.code)) as string)
    const demoApps = await seedDemoApps(
      { tenantId: demoTenantId, code: seed.demoTenant.code },
      seed.demoTenant.member.memberId,
      demo.origin,
    )
    const offlineStarted = Date.now()
    console.log('starting serverless-offline (it bundles every function first) …')
    const running = await startOffline({
      env,
      port: apiPort,
      lambdaPort: ports.LAMBDA_PORT,
      websocketPort: ports.WEBSOCKET_PORT,
      quiet: !verbose,
    })
    api = running
    void running.exited.then((how) => {
      if (stopping) return
      console.error(`serverless-offline stopped (${how})${verbose ? '' : `:\n${running.output()}`}`)
      void stopAll(1)
    })
    console.log(`serverless-offline ready (${Date.now() - offlineStarted} ms)`)
    demo.configure(`http://localhost:${api.port}/t/${seed.demoTenant.code}`, demoApps)
    printSummary(
      `http://localhost:${api.port}`,
      running.wsUrl.replace('127.0.0.1', 'localhost'),
      seed,
      env.KOOGALLERY_KEY as string,
      verbose,
      demo.origin,
      awsMarketplace.origin,
      s3.endpoint,
    )
    const { printOutbox } = await import('./local/outbox-printer.js')
    stopPrinting = printOutbox()
  } catch (err) {
    console.error(`npm start failed: ${(err as Error).message}`)
    await stopAll(1)
  }
}

main().catch((err: Error) => {
  console.error(`npm start failed: ${err.message}`)
  process.exit(1)
})
