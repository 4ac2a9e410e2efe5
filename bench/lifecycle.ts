import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { nowMs } from '../lib/core/clock.js'
import { config, resetConfig } from '../lib/core/config.js'
import { dynamoItemsRead, dynamoRequestCount, getDocumentClient } from '../lib/core/db/client.js'
import { newId } from '../lib/core/ids.js'
import { runLifecycle } from '../lib/lifecycle/run.js'
import { authToken, formatCompactTime } from '../lib/marketplace/koogallery/protocol.js'
import { createTenant } from '../lib/tenants/create-tenant.js'
import { tenantIndexKeys } from '../lib/tenants/entities.js'
import { fmt, LATENCY_COLUMNS, percentile, table, timed, verdict } from './stats.js'

/**
 * 10,000 tenants of which 20 are due: the template is a real tenant, cloned item by item so the
 * table holds what 10,000 tenant records look like without opening each through the API.
 */
const fillTenants = async (total: number, due: number) => {
  const template = await createTenant(
    {
      customerId: 'bench-template',
      name: 'Bench',
      industry: 'office',
      planCode: 'general.professional',
      trial: false,
      expiresAt: new Date(nowMs() + 400 * 86_400_000).toISOString(),
      customerLevel: 'V1',
      admin: { name: 'Admin' },
      verification: { method: 'business-licence', reference: 'BENCH-LICENCE' },
    },
    { actor: 'bench' },
  )
  const { Item } = await getDocumentClient().send(
    new GetCommand({
      TableName: config().ATRIUM_TABLE_NAME,
      Key: { PK: `T#${template.tenant.tenantId}`, SK: 'TENANT' },
    }),
  )
  const items = Array.from({ length: total }, (_, i) => {
    const tenantId = newId()
    const expiresAt = new Date(nowMs() + (i < due ? -3_600_000 : 200 * 86_400_000)).toISOString()
    return {
      ...Item,
      PK: `T#${tenantId}`,
      tenantId,
      code: `b${i}`,
      customerId: `bench-${i}`,
      expiresAt,
      ...tenantIndexKeys({
        tenantId,
        industry: 'office',
        status: 'active',
        createdAt: Item?.createdAt,
        dueAt: expiresAt,
      }),
    }
  })
  for (let i = 0; i < items.length; i += 25) {
    await getDocumentClient().send(
      new BatchWriteCommand({
        RequestItems: {
          [config().ATRIUM_TABLE_NAME]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    )
  }
}

const event = (query: Record<string, string>) =>
  ({
    version: '2.0',
    rawPath: '/v1/marketplace/koogallery',
    rawQueryString: '',
    headers: {},
    queryStringParameters: query,
    requestContext: {
      requestId: 'bench',
      http: { method: 'GET', path: '/v1/marketplace/koogallery', sourceIp: '127.0.0.1', userAgent: 'bench' },
    },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2

export const measureLifecycle = async (options: { bareGetItemP50: number; n: number }) => {
  const total = 10_000
  const due = 20
  const fillStart = performance.now()
  await fillTenants(total, due)
  const fillSeconds = (performance.now() - fillStart) / 1000

  const requests0 = dynamoRequestCount()
  const read0 = dynamoItemsRead()
  const started = performance.now()
  const report = await runLifecycle()
  const runMs = performance.now() - started
  const requests = dynamoRequestCount() - requests0
  const read = dynamoItemsRead() - read0

  const { handler } = (await import('../functions/marketplace/handler.js')) as {
    handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<{ body?: string }>
  }
  const key = config().KOOGALLERY_KEY as string
  let i = 0
  const newInstance = async () => {
    const params: Record<string, string> = {
      activity: 'newInstance',
      customerId: `bench-buyer-${++i}`,
      businessId: `b-${i}`,
      orderId: `bench-order-${i}`,
      skuCode: 'atrium-general-professional',
      productId: 'atrium-general',
      expireTime: formatCompactTime(nowMs() + 365 * 86_400_000, false),
      timeStamp: formatCompactTime(nowMs(), true),
    }
    const res = await handler(event({ ...params, authToken: authToken(key, params) }), {
      awsRequestId: 'bench',
    } as Context)
    if (!res.body?.includes('"000000"')) throw new Error(`newInstance failed: ${res.body}`)
  }
  const perCall = async (n: number, call: () => Promise<unknown>) => {
    await timed(5, call)
    const before = dynamoRequestCount()
    const times = await timed(n, call)
    return { times, requests: (dynamoRequestCount() - before) / n }
  }
  const v1 = await perCall(options.n, newInstance)

  // V2: the order read from the open API (its local stand-in, as npm start plays it)
  const { kooGalleryV2, orderBook } = await import('../test/support/koogallery.js')
  const { startKooGalleryOpenApi } = await import('../scripts/local/koogallery-openapi.js')
  const book = orderBook()
  const openApi = await startKooGalleryOpenApi({
    port: 0,
    ak: config().KOOGALLERY_OPENAPI_AK as string,
    sk: config().KOOGALLERY_OPENAPI_SK as string,
    orders: book.find,
  })
  process.env.KOOGALLERY_OPENAPI_URL = openApi.url
  resetConfig()
  const opened: string[] = []
  const v2 = async (fields: Record<string, unknown>) => {
    const res = await kooGalleryV2(fields)
    if (res.body?.resultCode !== '000000') throw new Error(`V2 ${fields.activity} failed: ${res.rawBody}`)
    return res.body
  }
  let v2Buyers = 0
  const newInstanceV2 = async () => {
    const { orderId, orderLineId } = book.place({
      customerId: `bench-v2-${++v2Buyers}`,
      skuCode: 'atrium-general-professional',
    })
    const body = await v2({ activity: 'newInstance', orderId, orderLineId, businessId: `b2-${orderId}` })
    opened.push(body.instanceId as string)
  }
  let q = 0
  const queryInstanceV2 = () => v2({ activity: 'queryInstance', instanceId: opened[q++ % opened.length] })
  let newV2: Awaited<ReturnType<typeof perCall>>
  let queryV2: Awaited<ReturnType<typeof perCall>>
  try {
    newV2 = await perCall(options.n, newInstanceV2)
    queryV2 = await perCall(options.n, queryInstanceV2)
  } finally {
    await openApi.stop()
    delete process.env.KOOGALLERY_OPENAPI_URL
    resetConfig()
  }
  const row = (name: string, m: { times: number[]; requests: number }) => [
    name,
    options.n,
    fmt(percentile(m.times, 50)),
    fmt(percentile(m.times, 99)),
    fmt(percentile(m.times, 50) / options.bareGetItemP50),
    fmt(m.requests, 1),
  ]

  return {
    markdown: [
      table(
        [
          'lifecycle run',
          'tenants',
          'due',
          'handled',
          'DynamoDB requests',
          'items read',
          '≤ 3× due',
          'run ms',
        ],
        [
          [
            'one run',
            total + 1,
            due,
            report.outcomes.frozen ?? 0,
            requests,
            read,
            `${verdict(requests <= 3 * due && read <= 3 * due)} (${fmt(requests / due)}× / ${fmt(read / due)}×)`,
            fmt(runMs, 0),
          ],
        ],
      ),
      '',
      table(
        [...LATENCY_COLUMNS, 'DynamoDB requests per call'],
        [
          row('KooGallery V1 newInstance', v1),
          row('KooGallery V2 newInstance (order read from the open API)', newV2),
          row('KooGallery V2 queryInstance (one ready instance)', queryV2),
        ],
      ),
      '',
      `(filling 10,000 tenant items took ${fmt(fillSeconds, 1)} s)`,
    ].join('\n'),
  }
}
