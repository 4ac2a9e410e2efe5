import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { burnPasswordCheck } from '../lib/core/crypto/passwords.js'
import { dynamoRequestCount } from '../lib/core/db/client.js'
import { identifierIndex } from '../lib/identity/accounts.js'
import { clearThrottles } from '../lib/identity/throttle.js'
import type { SeedSummary } from '../scripts/seed.js'
import { fmt, LATENCY_COLUMNS, percentile, table, timed, verdict } from './stats.js'

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<{ statusCode?: number; body?: string }>

const event = (
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  sourceIp = '127.0.0.1',
): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    requestContext: { requestId: 'bench', http: { method, path, sourceIp, userAgent: 'bench' } },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2

const context = { awsRequestId: 'bench' } as Context

/** Calls a handler and counts the DynamoDB requests it made (the app client's own counter). */
const invoke = async (handler: Handler, e: APIGatewayProxyEventV2, expect: number) => {
  const before = dynamoRequestCount()
  const res = await handler(e, context)
  if (res.statusCode !== expect) throw new Error(`${e.rawPath} answered ${res.statusCode}: ${res.body}`)
  return { body: JSON.parse(res.body ?? '{}'), requests: dynamoRequestCount() - before }
}

const requestStats = async (n: number, call: () => Promise<{ requests: number }>) => {
  const counts: number[] = []
  for (let i = 0; i < n; i++) counts.push((await call()).requests)
  return { mean: counts.reduce((a, b) => a + b, 0) / n, min: Math.min(...counts), max: Math.max(...counts) }
}

export const measureLatency = async (options: {
  endpoint: string
  tableName: string
  seed: SeedSummary
  n: number
}) => {
  const { n, seed } = options
  const { handler: auth } = (await import('../functions/auth/handler.js')) as { handler: Handler }
  const { handler: tenants } = (await import('../functions/tenants/handler.js')) as { handler: Handler }
  const bare = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: options.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    }),
  )
  const tenantId = (await invoke(auth, event('POST', '/v1/auth/login', loginBody(seed)), 200)).body.tenant
    .tenantId
  const getItem = () =>
    bare.send(new GetCommand({ TableName: options.tableName, Key: { PK: `T#${tenantId}`, SK: 'TENANT' } }))
  const login = () => invoke(auth, event('POST', '/v1/auth/login', loginBody(seed)), 200)
  const { body: session } = await login()
  const getTenant = () => invoke(tenants, event('GET', '/v1/tenant', undefined, session.accessToken), 200)

  const warm = 20
  await timed(warm, getItem)
  await timed(warm, getTenant)
  await timed(5, login)
  const bareTimes = await timed(n, getItem)
  const tenantTimes = await timed(n, getTenant)
  const loginTimes = await timed(n, login)
  const scryptTimes = await timed(20, () => burnPasswordCheck('Atrium-demo-2026'))
  const tenantRequests = await requestStats(20, getTenant)
  const loginRequests = await requestStats(20, login)
  // Enumeration by timing: a wrong password and an unknown identifier, in pairs, each pair from an
  // address of its own; the known identifier's counters are cleared between pairs (untimed), so
  // every attempt is counted and checked as a first one. The figure is the median of the pairs'
  // differences, which the machine's noise (scrypt alone varies by tens of ms) cancels out of.
  const known = await identifierIndex(seed.demoTenant.adminIdentifier)
  const wrongTimes: number[] = []
  const unknownTimes: number[] = []
  const attempt = async (times: number[], identifier: string, ip: string) => {
    const started = performance.now()
    await invoke(
      auth,
      event('POST', '/v1/auth/login', { identifier, password: 'Not-the-password-1' }, undefined, ip),
      401,
    )
    times.push(performance.now() - started)
  }
  const pairs = 100
  for (let i = 0; i < pairs; i++) {
    const ip = `10.${Math.floor(i / 250)}.${i % 250}.1`
    // alternate which goes first, so neither always follows the other
    if (i % 2) await attempt(unknownTimes, `nobody-${i}@bench.test`, ip)
    await attempt(wrongTimes, seed.demoTenant.adminIdentifier, ip)
    if (!(i % 2)) await attempt(unknownTimes, `nobody-${i}@bench.test`, ip)
    await clearThrottles(known)
  }
  const oracle = percentile(
    unknownTimes.map((t, i) => t - (wrongTimes[i] as number)),
    50,
  )

  const baseP50 = percentile(bareTimes, 50)
  const row = (name: string, times: number[], requests: string, target: string) => [
    name,
    times.length,
    fmt(percentile(times, 50)),
    fmt(percentile(times, 99)),
    fmt(percentile(times, 50) / baseP50),
    requests,
    target,
  ]
  const tenantRatio = percentile(tenantTimes, 50) / baseP50
  const describe = (s: { mean: number; min: number; max: number }) => `${fmt(s.mean, 1)} (${s.min}–${s.max})`
  return {
    bareGetItemP50: baseP50,
    markdown: table(
      [...LATENCY_COLUMNS, 'DynamoDB requests/call', 'target'],
      [
        row('bare GetItem', bareTimes, '1', ''),
        row(
          'GET /v1/tenant',
          tenantTimes,
          describe(tenantRequests),
          `p50 ≤ 3× ${verdict(tenantRatio <= 3)}; ≤ 2 requests ${verdict(tenantRequests.max <= 2)}`,
        ),
        row('POST /v1/auth/login', loginTimes, describe(loginRequests), ''),
        row('POST /v1/auth/login, wrong password', wrongTimes, '', ''),
        row(
          'POST /v1/auth/login, unknown identifier',
          unknownTimes,
          '',
          `median of ${pairs} paired differences: ${fmt(oracle)} ms (was −8 to −14) ${verdict(Math.abs(oracle) <= 3)}`,
        ),
        [
          'scrypt verify alone (context)',
          20,
          fmt(percentile(scryptTimes, 50)),
          fmt(percentile(scryptTimes, 99)),
          '',
          '',
          '',
        ],
      ],
    ),
  }
}

const loginBody = (seed: SeedSummary) => ({
  identifier: seed.demoTenant.adminIdentifier,
  password: seed.demoTenant.adminPassword,
})
