import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { executeTransactWrite } from 'dynamodb-toolbox'
import { nowMs } from '../lib/core/clock.js'
import { config } from '../lib/core/config.js'
import {
  dynamoItemsRead,
  dynamoRequestCount,
  dynamoRequestsByCommand,
  getDocumentClient,
} from '../lib/core/db/client.js'
import { newId } from '../lib/core/ids.js'
import { prepareAccount } from '../lib/identity/accounts.js'
import { putCatalog } from '../lib/platform/catalog.js'
import type { Plan } from '../lib/platform/schemas.js'
import { PLANS } from '../lib/platform/seed-data.js'
import { createTenant } from '../lib/tenants/create-tenant.js'
import { addPlainMember } from '../test/support/bare-members.js'
import { fmt, LATENCY_COLUMNS, percentile, table, timed, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

export const event = (
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
export const writeRequests = () => WRITES.reduce((n, c) => n + (dynamoRequestsByCommand()[c] ?? 0), 0)

const csv = (rows: number) =>
  [
    'name,mobile,email,employeeNo,departments',
    ...Array.from({ length: rows }, (_, k) => {
      const i = k + 1
      return `Worker ${i},+86139${String(i).padStart(8, '0')},w${i}@bench.test,E${i},${['Plant 1/Assembly', 'Plant 1/Paint', 'Office'][i % 3]}`
    }),
  ].join('\n')

const IMPORT_ROWS = 1000

/**
 * A tenant with room for the import, and its administrator's token. Plans are data: the bench
 * adds an edition like the largest seeded one with 2,000 seats, since 1,000 imported members and
 * the administrator would not fit in the seeded 1,000.
 */
/** An access token for a tenant's member, by the API's own login. */
const signIn = async (identifier: string, password: string, tenantCode: string) => {
  const { handler: auth } = (await import('../functions/auth/handler.js')) as { handler: Handler }
  const res = await auth(
    {
      ...event('POST', '/v1/auth/login', '', { identifier, password, tenantCode }),
      headers: { 'content-type': 'application/json' },
    } as APIGatewayProxyEventV2,
    { awsRequestId: 'bench' } as Context,
  )
  return JSON.parse(res.body ?? '{}').accessToken as string
}

export const enterpriseTenant = async (name = 'enterprise') => {
  const largest = PLANS.find((p) => p.code === 'industrial.professional-enhanced') as Plan
  const plan = {
    ...largest,
    code: 'bench.large',
    skuCode: 'bench-large',
    limits: { ...largest.limits, maxMembers: 2000 },
  }
  await putCatalog({ plans: [plan], industries: [], apps: [], skus: [] })
  const identifier = `bench-${name}-admin@bench.test`
  const password = 'Bench-admin-2026'
  const account = await prepareAccount(identifier, { password })
  if (account.writes.length > 0) await executeTransactWrite(...account.writes)
  const opened = await createTenant(
    {
      customerId: `bench-${name}`,
      name: `Bench ${name}`,
      industry: 'industrial',
      planCode: plan.code,
      trial: false,
      expiresAt: new Date(nowMs() + 365 * 86_400_000).toISOString(),
      customerLevel: 'V3',
      admin: { identifier, name: 'Bench Admin' },
      verification: { method: 'business-licence', reference: 'BENCH-LICENCE' },
    },
    { actor: 'bench' },
  )
  return {
    tenantId: opened.tenant.tenantId,
    code: opened.tenant.code,
    adminToken: await signIn(identifier, password, opened.tenant.code),
  }
}

/** A member of a bench tenant with a password of their own, signed in: their id and access token. */
export const benchMember = async (tenant: { tenantId: string; code: string }, identifier: string) => {
  const { accountId, password } = await addPlainMember(tenant, { identifier, password: 'Bench-member-2026' })
  return { memberId: accountId, token: await signIn(identifier, password, tenant.code) }
}

/**
 * Directory figures: a 1,000-member import (wall time, requests), then a members page, a page of
 * a department subtree and the tree of a 1,000-department tenant (requests per call, latency vs
 * GetItem).
 */
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

  const importRun = async (dryRun: boolean) => {
    const [writes0, requests0, started] = [writeRequests(), dynamoRequestCount(), performance.now()]
    const report = await call('POST', '/v1/members/import', {
      format: 'csv',
      content: csv(IMPORT_ROWS),
      dryRun,
    })
    const seconds = (performance.now() - started) / 1000
    const writes = writeRequests() - writes0
    const reads = dynamoRequestCount() - requests0 - writes
    return { report, seconds, writes, reads }
  }
  const dry = await importRun(true)
  const applied = await importRun(false)

  // A 1,000-department tree, written directly (creating them one by one is not what is measured).
  const ids = Array.from({ length: 1000 }, () => newId())
  const items = ids.map((deptId, i) => ({
    PK: `T#${tenantId}`,
    SK: `DEPT#${deptId}`,
    _et: 'Department',
    tenantId,
    deptId,
    name: `Dept ${i}`,
    // ten roots, each the top of a subtree ten wide
    parentId: i < 10 ? '' : (ids[Math.floor(i / 10) - 1] as string),
    order: i,
    memberCount: 0,
    // department i has children 10(i+1) … 10(i+1)+9
    ...(10 * (i + 1) < 1000 ? { childIds: new Set(ids.slice(10 * (i + 1), 10 * (i + 1) + 10)) } : {}),
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
  const itemsPerCall = async (fn: () => Promise<unknown>) => {
    const before = dynamoItemsRead()
    await fn()
    return dynamoItemsRead() - before
  }
  const page = () => call('GET', '/v1/members', undefined, { limit: '25' })
  // the imported members are in the three departments the file names, under "Plant 1" and "Office"
  const plant = (await call('GET', '/v1/departments')).items.find(
    (d: { name: string }) => d.name === 'Plant 1',
  )
  const subtreePage = () =>
    call('GET', '/v1/members', undefined, {
      limit: '25',
      departmentId: plant.deptId,
      includeSubDepartments: 'true',
    })
  const tree = () => call('GET', '/v1/departments')
  await timed(10, page)
  await timed(10, subtreePage)
  await timed(10, tree)
  const pageTimes = await timed(options.n, page)
  const subtreeTimes = await timed(options.n, subtreePage)
  const treeTimes = await timed(options.n, tree)
  const pageRequests = await perCall(page)
  const subtreeRequests = await perCall(subtreePage)
  const treeRequests = await perCall(tree)
  const subtreeItems = await itemsPerCall(subtreePage)
  const treeItems = await itemsPerCall(tree)
  // "Plant 1" and what is below it: 3 departments, the places of their members (rows of Assembly
  // and Paint), and the page of members shown; the live session check reads 4 items more
  const plantMembers = Array.from({ length: IMPORT_ROWS }, (_, k) => (k + 1) % 3).filter(
    (r) => r !== 2,
  ).length
  const subtreeBound = 4 + 3 + plantMembers + 25
  const row = (name: string, times: number[], requests: number, items: number, target: string) => [
    name,
    options.n,
    fmt(percentile(times, 50)),
    fmt(percentile(times, 99)),
    fmt(percentile(times, 50) / options.bareGetItemP50),
    requests,
    items,
    target,
  ]
  return {
    markdown: [
      table(
        [
          'import of 1,000 members (CSV)',
          'rows',
          'added',
          'wall s',
          'write requests',
          'writes/row',
          'other requests',
        ],
        [dry, applied].map((run, i) => [
          i === 0 ? 'dry run' : 'applied (3 departments created)',
          run.report.summary.rows,
          run.report.summary.added,
          fmt(run.seconds, 1),
          run.writes,
          fmt(run.writes / IMPORT_ROWS),
          run.reads,
        ]),
      ),
      '',
      table(
        [...LATENCY_COLUMNS, 'DynamoDB requests/call', 'items read/call', 'target'],
        [
          row(
            `GET /v1/members (page of 25, ${IMPORT_ROWS + 1} members)`,
            pageTimes,
            pageRequests,
            await itemsPerCall(page),
            '',
          ),
          row(
            'GET /v1/members?departmentId=…&includeSubDepartments=true (page of 25, a 3-department subtree in a 1,003-department tenant)',
            subtreeTimes,
            subtreeRequests,
            subtreeItems,
            `reads only the subtree (≤ ${subtreeBound}, not the 1,003 departments) ${verdict(subtreeItems <= subtreeBound)}`,
          ),
          row(
            'GET /v1/departments (1,000 departments)',
            treeTimes,
            treeRequests,
            treeItems,
            `bounded ${verdict(treeRequests <= 3)}`,
          ),
        ],
      ),
    ].join('\n'),
  }
}
