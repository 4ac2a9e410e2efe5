import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_PORTS, DEMO_LOGINS, demoPassword, localPort, runningStackPort } from './local/env.js'
import { LOCAL_DIR } from './local/paths.js'
import { PROVIDER_APP_NAME, type Wiring, wireProvider } from './local/provider/wiring.js'
import { type FailSetting, type RunningProvider, startProvider } from './local/provider.js'

/**
 * `npm run provider [-- --reset]`: a stand-in app provider on PROVIDER_PORT (scripts/local/provider.ts).
 * With `npm start` running (on PORT, as npm start has it), it wires the demo tenant to itself as
 * the tenant admin would: an OAuth2 app "Provider demo" whose redirect URI is the provider's
 * callback, bound to it (workbench-v2) and granted to the demo member; then it shows where to sign
 * in. Its key pair, access key and what it received are kept in .local/provider/.
 */
const USAGE = `usage: npm run provider [-- --reset]
  --reset   forget what the provider received (its key pair and access key stay)
settings: PROVIDER_PORT (default ${DEFAULT_PORTS.PROVIDER_PORT}), PORT (npm start's, default ${DEFAULT_PORTS.PORT}),
  PROVIDER_FAIL=000005 [PROVIDER_FAIL_TIMES=3]: answer the sync with that result code (failures on demand)`

const DIR = join(LOCAL_DIR, 'provider')
const WAIT_FOR_SYNC_MS = 30_000

const time = () => new Date().toISOString().slice(11, 19)

const failFromEnv = (): FailSetting | undefined => {
  const code = process.env.PROVIDER_FAIL
  if (!code) return undefined
  const times = process.env.PROVIDER_FAIL_TIMES ? Number(process.env.PROVIDER_FAIL_TIMES) : undefined
  return { code, times }
}

const apiIsUp = async (api: string) =>
  fetch(`${api}/v1/health`, { signal: AbortSignal.timeout(2000) })
    .then((r) => r.ok)
    .catch(() => false)

/** The tenant, the app's credentials and the member have arrived (the sync runs from the table stream). */
const synced = async (provider: RunningProvider, wiring: Wiring) => {
  const deadline = Date.now() + WAIT_FOR_SYNC_MS
  while (Date.now() < deadline) {
    const tenant = provider.state.tenants.get(wiring.tenant.tenantId)
    if (tenant?.domainName && tenant.apps.has(wiring.appId) && tenant.users.has(wiring.member.accountName))
      return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

const printUnwired = (provider: RunningProvider, why: string) => {
  console.log(`
${why}
Bind an app to this provider yourself (an oauth2 app, redirect URI ${provider.origin}/callback):

  PUT /v1/apps/{appId}/provisioning with the body at ${provider.origin}/provisioning.json
    (dialect workbench-v2, baseUrl ${provider.origin}, access key ${provider.accessKey},
     public key ${provider.origin}/public-key.pem)

  curl -s ${provider.origin}/provisioning.json | curl -s -X PUT "$API/v1/apps/$APP_ID/provisioning" \\
    -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d @-

then grant the app and watch ${provider.origin}/ fill in.

Or bind any app to its SCIM 2.0 service (departments as Groups): the body at
  ${provider.origin}/provisioning.json?dialect=scim  (baseUrl ${provider.origin}/scim/v2, the access key as bearer token)`)
}

const printWired = (provider: RunningProvider, api: string, wiring: Wiring, arrived: boolean) => {
  const signIn = `${provider.origin}/login?${new URLSearchParams({ tenant: wiring.tenant.tenantId, app: wiring.appId })}`
  const rows: [string, string][] = [
    ['provider', `${provider.origin}/  (what it received, and a sign-in link per tenant)`],
    [
      'wired',
      `app "${PROVIDER_APP_NAME}" of ${wiring.tenant.name} (${wiring.appId}), ${wiring.bound} to this provider, granted to ${wiring.member.name}`,
    ],
    arrived
      ? ['sign in', `${signIn}  (as the demo member: ${wiring.member.login} / ${demoPassword()})`]
      : ['sign in', `not yet: nothing arrived within ${WAIT_FOR_SYNC_MS / 1000} s; see ${provider.origin}/`],
    ['or', `open the app's tile in the demo tenant's portal: ${api}/t/${wiring.tenant.code}/`],
    [
      'sync status',
      `GET /v1/apps/${wiring.appId}/provisioning/status on ${api}, as ${DEMO_LOGINS.demoTenantAdmin}`,
    ],
    [
      'fail on demand',
      `curl -s -X POST ${provider.origin}/control/fail -d '{"code":"000005","times":3}'  (000000 clears)`,
    ],
    [
      'scim',
      `${provider.origin}/scim/v2 (bearer token: the access key); binding body: ${provider.origin}/provisioning.json?dialect=scim`,
    ],
    [
      'scim on demand',
      `curl -s -X POST ${provider.origin}/control/scim -d '{"fail":{"status":429,"retryAfter":"2","times":1}}'  ("fail":null clears; {"opsCase":"capitalized"})`,
    ],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  console.log('\nThe stand-in provider is running. Ctrl-C stops it.\n')
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`)
  console.log('')
}

const main = async () => {
  const args = process.argv.slice(2)
  if (args.some((a) => a !== '--reset')) {
    console.error(USAGE)
    process.exit(args.includes('--help') || args.includes('-h') ? 0 : 2)
  }
  if (args.includes('--reset')) rmSync(join(DIR, 'state.json'), { force: true })
  const provider = await startProvider({
    port: localPort('PROVIDER_PORT'),
    dir: DIR,
    failWith: failFromEnv(),
    log: (line) => console.log(`${time()} ${line}`),
  }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE'
      ? new Error(
          `port ${localPort('PROVIDER_PORT')} is in use (another npm run provider?): set PROVIDER_PORT`,
        )
      : err
  })
  const stop = () => void provider.stop().finally(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  console.log(`stand-in provider on ${provider.origin}/ (key pair and what it receives: .local/provider/)`)

  let api: string
  try {
    api = `http://localhost:${runningStackPort('PORT')}`
  } catch (err) {
    return printUnwired(provider, (err as Error).message)
  }
  if (!(await apiIsUp(api)))
    return printUnwired(
      provider,
      `No Atrium answers on ${api}: start it (npm start, same PORT), then run this again.`,
    )
  let wiring: Wiring
  try {
    wiring = await wireProvider({
      api,
      admin: { identifier: DEMO_LOGINS.demoTenantAdmin, password: demoPassword() },
      member: DEMO_LOGINS.demoMemberName,
      provider,
    })
    // an earlier run's deliveries may be parked (the provider was away): try them again now
    const status = await fetch(`${api}/v1/apps/${wiring.appId}/provisioning/status`, {
      headers: { authorization: `Bearer ${wiring.token}` },
    }).then((r) => r.json() as Promise<{ state?: string }>)
    if (status.state === 'parked' || status.state === 'failing')
      await fetch(`${api}/v1/apps/${wiring.appId}/provisioning/retry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${wiring.token}` },
      })
  } catch (err) {
    return printUnwired(provider, `Could not wire the demo tenant on ${api}: ${(err as Error).message}`)
  }
  printWired(provider, api, wiring, await synced(provider, wiring))
}

main().catch((err: Error) => {
  console.error(`npm run provider failed: ${err.message}`)
  process.exit(1)
})
