import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { grantIndexKeys } from '../lib/access/records.js'
import { nowIso } from '../lib/core/clock.js'
import { config } from '../lib/core/config.js'
import { dynamoItemsRead, dynamoRequestCount, getDocumentClient } from '../lib/core/db/client.js'
import { newId } from '../lib/core/ids.js'
import { addBareMembers } from '../test/support/bare-members.js'
import { benchMember, enterpriseTenant, event, writeRequests } from './directory.js'
import { fmt, LATENCY_COLUMNS, percentile, table, timed, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

const put = async (items: Record<string, unknown>[]) => {
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

/** Self-built link apps, written directly (registering them one by one is not what is measured). */
const appItems = (tenantId: string, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const appCode = `app-${newId()}`
    return {
      PK: `T#${tenantId}`,
      SK: `APP#${appCode}`,
      _et: 'TenantApp',
      tenantId,
      appCode,
      source: 'self-built',
      status: 'active',
      addedAt: nowIso(),
      enabled: true,
      definition: {
        name: `App ${i}`,
        clientTypes: ['web'],
        protocol: 'link',
        homeUrl: `https://app${i}.example.com/`,
        redirectUris: [],
        casServices: [],
        attributes: [],
        requestedFields: [],
      },
    }
  })

/** Rules that reach nobody in particular (departments of the tenant's other people). */
const grantItems = (tenantId: string, appCodes: string[], count: number) =>
  Array.from({ length: count }, (_, i) => {
    const appId = appCodes[i % appCodes.length] as string
    const subjectId = newId()
    const grantId = `department-${subjectId}`
    return {
      PK: `T#${tenantId}`,
      SK: `GRANT#${appId}#${grantId}`,
      _et: 'Grant',
      tenantId,
      appId,
      grantId,
      effect: 'allow',
      subjectType: 'department',
      subjectId,
      includeSubDepartments: true,
      grantedAt: nowIso(),
      grantedBy: 'bench',
      ...grantIndexKeys(tenantId, { subjectType: 'department', subjectId }, appId),
    }
  })

/**
 * Unified authorisation figures: `GET /v1/me/apps` for a member in 10 departments and 20 groups
 * (requests, latency, items read before and after the tenant grows to 200 apps and 5,000 rules),
 * and a department grant reaching 1,000 members (time until all of them hold the app, writes).
 */
export const measureAccess = async (options: { bareGetItemP50: number; n: number }) => {
  const { tenantId, code, adminToken } = await enterpriseTenant('access')
  const { handler: directory } = (await import('../functions/directory/handler.js')) as { handler: Handler }
  const { handler: apps } = (await import('../functions/apps/handler.js')) as { handler: Handler }
  const context = { awsRequestId: 'bench' } as Context
  const call = async (fn: Handler, method: string, path: string, token: string, body?: unknown) => {
    const res = await fn(event(method, path, token, body), context)
    if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
    return JSON.parse(res.body ?? '{}')
  }
  const admin = (fn: Handler, method: string, path: string, body?: unknown) =>
    call(fn, method, path, adminToken, body)

  // the member: ten departments, twenty groups, a password of their own
  const departments: string[] = []
  for (let i = 0; i < 10; i++)
    departments.push((await admin(directory, 'POST', '/v1/departments', { name: `D${i}` })).deptId)
  const { memberId, token: memberToken } = await benchMember({ tenantId, code }, 'bench-member@bench.test')
  await admin(directory, 'PUT', `/v1/members/${memberId}/departments`, { departmentIds: departments })
  const groups: string[] = []
  for (let i = 0; i < 20; i++) {
    const groupId = (await admin(directory, 'POST', '/v1/groups', { name: `G${i}` })).groupId
    await admin(directory, 'POST', `/v1/groups/${groupId}/members`, { memberIds: [memberId] })
    groups.push(groupId)
  }

  // thirty apps granted through the API: one to each department, one to each group
  const mine = appItems(tenantId, 30)
  await put(mine)
  for (const [i, app] of mine.entries()) {
    const body = i < 10 ? { departments: [{ id: departments[i] }] } : { groups: [groups[i - 10]] }
    await admin(apps, 'POST', `/v1/apps/${app.appCode}/grants`, body)
  }
  const myApps = () => call(apps, 'GET', '/v1/me/apps', memberToken)
  const measure = async () => {
    await timed(10, myApps)
    const [requests0, items0] = [dynamoRequestCount(), dynamoItemsRead()]
    const answer = await myApps()
    return {
      shown: answer.items.length as number,
      requests: dynamoRequestCount() - requests0,
      items: dynamoItemsRead() - items0,
    }
  }
  const small = await measure()
  // the tenant grows: 170 more apps and 5,000 rules (written directly: their writing is not measured)
  const others = appItems(tenantId, 170)
  await put(others)
  await put(
    grantItems(
      tenantId,
      [...mine, ...others].map((a) => a.appCode),
      5000,
    ),
  )
  const large = await measure()
  const times = await timed(options.n, myApps)

  // a department grant reaching 1,000 members
  const big = (await admin(directory, 'POST', '/v1/departments', { name: 'Plant' })).deptId as string
  await addBareMembers({ tenantId, code }, 1000, { deptId: big })
  const target = others[0]?.appCode as string
  const [writes0, requests0, started] = [writeRequests(), dynamoRequestCount(), performance.now()]
  const granted = await admin(apps, 'POST', `/v1/apps/${target}/grants`, { departments: [{ id: big }] })
  const seconds = (performance.now() - started) / 1000
  const writes = writeRequests() - writes0
  const requests = dynamoRequestCount() - requests0

  const p50 = percentile(times, 50)
  const meRows = [
    [
      'GET /v1/me/apps (30 apps shown)',
      options.n,
      fmt(p50),
      fmt(percentile(times, 99)),
      fmt(p50 / options.bareGetItemP50),
      large.requests,
      `${small.items} → ${large.items}`,
      `${verdict(large.requests <= 2)} (≤ 2 requests); ${verdict(large.items === small.items && large.shown === 30)} (items read unchanged)`,
    ],
  ]
  const grantRows = [
    [
      'department grant, 1,000 members',
      fmt(seconds, 2),
      granted.entitled,
      writes,
      requests - writes,
      verdict(granted.entitled === 1000),
    ],
  ]
  return {
    markdown: [
      table(
        [...LATENCY_COLUMNS, 'requests', 'items read (30 apps, 30 rules → 200 apps, 5,030 rules)', 'target'],
        meRows,
      ),
      '',
      table(
        [
          'change',
          'seconds until all hold it',
          'members entitled',
          'write requests',
          'read requests',
          'all 1,000',
        ],
        grantRows,
      ),
    ].join('\n'),
  }
}
