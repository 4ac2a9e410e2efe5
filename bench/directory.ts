import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { executeTransactWrite } from 'dynamodb-toolbox'
import { nowMs } from '../lib/core/clock.js'
import { config } from '../lib/core/config.js'
import { dynamoRequestCount, dynamoRequestsByCommand, getDocumentClient } from '../lib/core/db/client.js'
import { newId } from '../lib/core/ids.js'
import { prepareAccount } from '../lib/identity/accounts.js'
import { createTenant } from '../lib/tenants/create-tenant.js'
import { fmt, percentile, table, timed, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

const event = (
  method: string,
  path: string,
  token: string,
  body?: unknown,
  query: Record<string, string> = {},
) =>
  ({
    version: '2.0',
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requestContext: { requestId: 'bench', http: { method, path, sourceIp: '127.0.0.1', userAgent: 'bench' } },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2

const WRITES = [
  'TransactWriteItemsCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]
const writeRequests = () => WRITES.reduce((n, c) => n + (dynamoRequestsByCommand()[c] ?? 0), 0)

const csv = (rows: number) =>
  [
    'name,mobile,email,employeeNo,departments',
    ...Array.from({ length: rows }, (_, k) => {
      const i = k + 1
      return `Worker ${i},+86139${String(i).padStart(8, '0')},w${i}@bench.test,E${i},${['Plant 1/Assembly', 'Plant 1/Paint', 'Office'][i % 3]}`
    }),
  ].join('\n')

/**
 * Directory figures: a 1,000-member import (wall time, write requests), then a members page and
 * the department tree of a 1,000-department tenant (requests per call, latency vs GetItem).
 */
/** A tenant with room for 1,000 members, and its administrator's token. */
const enterpriseTenant = async () => {
  const identifier = 'bench-admin@bench.test'
  const password = 'Bench-admin-2026'
  const account = await prepareAccount(identifier, { password })
  if (account.writes.length > 0) await executeTransactWrite(...account.writes)
  const opened = await createTenant(
    {
      customerId: 'bench-enterprise',
      name: 'Bench Enterprise',
      industry: 'industrial',
      planCode: 'industrial.professional-enhanced',
      trial: false,
      expiresAt: new Date(nowMs() + 365 * 86_400_000).toISOString(),
      customerLevel: 'V3',
      admin: { identifier, name: 'Bench Admin' },
    },
    { actor: 'bench' },
  )
  const { handler: auth } = (await import('../functions/auth/handler.js')) as { handler: Handler }
  const res = await auth(
    {
      ...event('POST', '/v1/auth/login', '', { identifier, password, tenantCode: opened.tenant.code }),
      headers: { 'content-type': 'application/json' },
    } as APIGatewayProxyEventV2,
    { awsRequestId: 'bench' } as Context,
  )
  return { tenantId: opened.tenant.tenantId, adminToken: JSON.parse(res.body ?? '{}').accessToken as string }
}

export const measureDirectory = async (options: { bareGetItemP50: number; n: number }) => {
  const { tenantId, adminToken } = await enterpriseTenant()
  const { handler } = (await import('../functions/directory/handler.js')) as { handler: Handler }
  const call = async (method: string, path: string, body?: unknown, query?: Record<string, string>) => {
    const res = await handler(event(method, path, adminToken, body, query), {
      awsRequestId: 'bench',
    } as Context)
    if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
    return JSON.parse(res.body ?? '{}')
  }

  const writes0 = writeRequests()
  const started = performance.now()
  const report = await call('POST', '/v1/members/import', { format: 'csv', content: csv(990), dryRun: false })
  const importSeconds = (performance.now() - started) / 1000
  const importWrites = writeRequests() - writes0

  // A 1,000-department tree, written directly (creating them one by one is not what is measured).
  const ids = Array.from({ length: 1000 }, () => newId())
  const items = ids.map((deptId, i) => ({
    PK: `T#${tenantId}`,
    SK: `DEPT#${deptId}`,
    _et: 'Department',
    tenantId,
    deptId,
    name: `Dept ${i}`,
    parentId: i < 10 ? '' : (ids[Math.floor(i / 10) - 1] as string),
    order: i,
    childCount: 0,
    memberCount: 0,
  }))
  for (let i = 0; i < items.length; i += 25) {
    await getDocumentClient().send(
      new BatchWriteCommand({
        RequestItems: {
          [config().ATRIUM_TABLE_NAME]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    )
  }

  const perCall = async (fn: () => Promise<unknown>) => {
    const before = dynamoRequestCount()
    await fn()
    return dynamoRequestCount() - before
  }
  const page = () => call('GET', '/v1/members', undefined, { limit: '25' })
  const tree = () => call('GET', '/v1/departments')
  await timed(10, page)
  await timed(10, tree)
  const pageTimes = await timed(options.n, page)
  const treeTimes = await timed(options.n, tree)
  const pageRequests = await perCall(page)
  const treeRequests = await perCall(tree)
  const row = (name: string, times: number[], requests: number, target: string) => [
    name,
    options.n,
    fmt(percentile(times, 50)),
    fmt(percentile(times, 99)),
    fmt(percentile(times, 50) / options.bareGetItemP50),
    requests,
    target,
  ]
  return {
    markdown: [
      table(
        ['import', 'rows', 'added', 'wall s', 'write requests', 'writes/row'],
        [
          [
            'CSV, 3 departments created',
            990,
            report.summary.added,
            fmt(importSeconds, 1),
            importWrites,
            fmt(importWrites / 990),
            new Date(nowMs()).toISOString().slice(0, 10),
          ],
        ],
      ),
      '',
      table(
        ['call', 'n', 'p50 ms', 'p99 ms', 'p50 × GetItem', 'DynamoDB requests/call', 'target'],
        [
          row('GET /v1/members (page of 25, 990 members)', pageTimes, pageRequests, ''),
          row(
            'GET /v1/departments (1,000 departments)',
            treeTimes,
            treeRequests,
            `bounded ${verdict(treeRequests <= 2)}`,
          ),
        ],
      ),
    ].join('\n'),
  }
}
