import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import { executeTransactWrite } from 'dynamodb-toolbox'
import { parse } from 'yaml'
import { liveSession } from '../lib/auth/session-check.js'
import { verifyAccessToken } from '../lib/core/auth/tokens.js'
import { nowEpochSeconds, nowMs } from '../lib/core/clock.js'
import { config, resetConfig } from '../lib/core/config.js'
import { forgetCiphers, PLATFORM_SCOPE } from '../lib/core/crypto/data-keys.js'
import { keyWrapper } from '../lib/core/crypto/key-wrapper.js'
import { dynamoCapacityByCommand, dynamoRequestCount, getDocumentClient } from '../lib/core/db/client.js'
import { prepareAccount } from '../lib/identity/accounts.js'
import { createTenant } from '../lib/tenants/create-tenant.js'
import { getTenantView } from '../lib/tenants/views.js'
import { REPO_ROOT } from '../scripts/local/paths.js'
import { httpEvent } from '../test/support/lambda.js'
import { lastCode } from '../test/support/outbox.js'
import { auditCapacity, type CommandAudit, READ_COMMANDS } from './capacity.js'
import { type CallStats, type CommandRow, costReport, type Measured } from './cost-report.js'
import { type Activity, FLEET, MEMBER_DAY } from './member-day.js'
import { percentile, verdict } from './stats.js'
import { footprint, snapshot } from './storage.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>

interface Sls {
  provider: { memorySize: number }
  functions: Record<
    string,
    { memorySize?: number; events?: { httpApi?: { method: string; path: string } }[] }
  >
}

/** Which function serves a route and at what memory, as serverless.yml deploys it. */
const deployment = () => {
  const sls = parse(readFileSync(join(REPO_ROOT, 'serverless.yml'), 'utf8')) as Sls
  const handlers = new Map<string, Handler>()
  return async (method: string, route: string) => {
    const fn = Object.entries(sls.functions).find(([, f]) =>
      (f.events ?? []).some((e) => e.httpApi?.method === method && e.httpApi.path === route),
    )?.[0]
    if (!fn) throw new Error(`serverless.yml routes no ${method} ${route}`)
    if (!handlers.has(fn))
      handlers.set(fn, ((await import(`../functions/${fn}/handler.js`)) as { handler: Handler }).handler)
    return {
      fn,
      memoryMb: sls.functions[fn]?.memorySize ?? sls.provider.memorySize,
      handler: handlers.get(fn) as Handler,
    }
  }
}

const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'

/** Everything written to stdout/stderr while it runs: what CloudWatch Logs would ingest. */
const captureLogs = () => {
  let bytes = 0
  const streams = [process.stdout, process.stderr]
  const originals = streams.map((s) => s.write)
  for (const s of streams)
    s.write = ((chunk: string | Uint8Array) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
      return true
    }) as typeof s.write
  return {
    bytes: () => bytes,
    restore: () => {
      streams.forEach((s, i) => {
        s.write = originals[i] as typeof s.write
      })
    },
  }
}

/** Counts the data keys unwrapped (a KMS Decrypt in AWS), the platform's apart, until restored. */
const countUnwraps = () => {
  const wrapper = keyWrapper()
  const unwrap = wrapper.unwrap
  const n = { tenant: 0, platform: 0 }
  wrapper.unwrap = (wrapped, scope) => {
    n[scope === PLATFORM_SCOPE ? 'platform' : 'tenant']++
    return unwrap.call(wrapper, wrapped, scope)
  }
  return {
    count: () => ({ ...n }),
    restore: () => {
      wrapper.unwrap = unwrap
    },
  }
}

const unitsBetween = (a: Record<string, CommandAudit>, b: Record<string, CommandAudit>) => {
  let read = 0
  let write = 0
  for (const [command, v] of Object.entries(b)) {
    const units = v.awsUnits - (a[command]?.awsUnits ?? 0)
    if (READ_COMMANDS.has(command)) read += units
    else write += units
  }
  return { read, write }
}

interface Session {
  memberId: string
  identifier: string
  password: string
  accessToken: string
  refreshToken: string
  cursor?: string
}

const PASSWORD = 'Cost-model-2026'

/**
 * The cost model: one tenant of FLEET.membersPerTenant members lives one member-day each through
 * the real handlers against DynamoDB Local, and every request's capacity, Lambda time, response
 * and log bytes are measured; then the month is priced. See docs/benchmarks.md for what is
 * measured, what is assumed and why.
 */
export const measureCost = async (options: { initMs: Record<string, number> }) => {
  const route = deployment()
  const audit = auditCapacity(getDocumentClient(), config().DYNAMODB_ENDPOINT)
  const unwraps = countUnwraps()
  const scanner = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: config().DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  try {
    const calibration = await calibrate(audit)
    const before = await snapshot(scanner, config().ATRIUM_TABLE_NAME)

    let stats: Map<string, CallStats> | undefined
    // data keys each kind of call unwraps when its container has none cached
    let coldKeys: Map<string, { tenant: number; platform: number }> | undefined
    let logs: ReturnType<typeof captureLogs> | undefined
    const call: Call = async (label, method, path, request, expect) => {
      const [template, actual = template] = path
      const { fn, memoryMb, handler } = await route(method, template)
      const event = httpEvent(method, actual, request)
      event.requestContext.http.userAgent = USER_AGENT
      const [requests0, audit0, auditMs0, logs0] = [
        dynamoRequestCount(),
        audit.byCommand(),
        audit.auditMs(),
        logs?.bytes() ?? 0,
      ]
      if (coldKeys) forgetCiphers()
      const unwraps0 = unwraps.count()
      const started = performance.now()
      const res = await handler(event, { awsRequestId: event.requestContext.requestId } as Context)
      const ms = performance.now() - started - (audit.auditMs() - auditMs0)
      if (res.statusCode !== expect) throw new Error(`${method} ${actual}: ${res.statusCode} ${res.body}`)
      const unwrapped = unwraps.count()
      coldKeys?.set(label, {
        tenant: unwrapped.tenant - unwraps0.tenant,
        platform: unwrapped.platform - unwraps0.platform,
      })
      if (stats) {
        const s = stats.get(label) ?? {
          fn,
          memoryMb,
          signedIn: request.token !== undefined,
          calls: 0,
          requests: 0,
          readUnits: 0,
          writeUnits: 0,
          ms: [],
          responseBytes: 0,
          logBytes: 0,
        }
        const units = unitsBetween(audit0, audit.byCommand())
        s.calls++
        s.requests += dynamoRequestCount() - requests0
        s.readUnits += units.read
        s.writeUnits += units.write
        s.ms.push(ms)
        s.responseBytes += Buffer.byteLength(res.body ?? '') + JSON.stringify(res.headers ?? {}).length
        s.logBytes += (logs?.bytes() ?? 0) - logs0
        stats.set(label, s)
      }
      return res.body ? JSON.parse(res.body) : undefined
    }

    const tenant = await openTenant(call)
    const setUp = await snapshot(scanner, config().ATRIUM_TABLE_NAME)
    const members = tenant.sessions
    const M = members.length
    const byIndex = (i: number) => members[i % M] as Session
    // the administrator (index 0) edits the others; the day's additions are removed again
    const others = (i: number) => members[1 + (i % (M - 1))] as Session
    const added: string[] = []
    const admin = () => (members[0] as Session).accessToken

    const run: Record<Activity, (i: number) => Promise<unknown>> = {
      logins: async (i) => {
        const m = byIndex(i)
        const t = await call(
          'POST /v1/auth/login',
          'POST',
          ['/v1/auth/login'],
          { body: { identifier: m.identifier, password: m.password } },
          200,
        )
        Object.assign(m, { accessToken: t.accessToken, refreshToken: t.refreshToken })
      },
      homeVisits: async (i) => {
        const token = byIndex(i).accessToken
        await call('GET /v1/me', 'GET', ['/v1/me'], { token }, 200)
        await call('GET /v1/tenant', 'GET', ['/v1/tenant'], { token }, 200)
        await call('GET /v1/me/workbenches', 'GET', ['/v1/me/workbenches'], { token }, 200)
      },
      memberPages: async (i) => {
        const m = byIndex(i)
        const query: Record<string, string> = { limit: '25', ...(m.cursor ? { cursor: m.cursor } : {}) }
        const page = await call(
          'GET /v1/members (25 a page)',
          'GET',
          ['/v1/members'],
          { token: m.accessToken, query },
          200,
        )
        m.cursor = m.cursor ? undefined : page.nextCursor
      },
      departmentTrees: (i) =>
        call('GET /v1/departments', 'GET', ['/v1/departments'], { token: byIndex(i).accessToken }, 200),
      memberCards: (i) =>
        call(
          'GET /v1/members/{memberId}',
          'GET',
          ['/v1/members/{memberId}', `/v1/members/${others(i * 7).memberId}`],
          { token: byIndex(i).accessToken },
          200,
        ),
      refreshes: async (i) => {
        const m = byIndex(i)
        const t = await call(
          'POST /v1/auth/refresh',
          'POST',
          ['/v1/auth/refresh'],
          { body: { refreshToken: m.refreshToken } },
          200,
        )
        Object.assign(m, { accessToken: t.accessToken, refreshToken: t.refreshToken })
      },
      adds: async () => {
        const n = tenant.nextMember()
        const body = { ...memberBody(n), departmentIds: [tenant.leaf(n)] }
        const headers = { 'idempotency-key': `cost-add-${n}-${nowMs()}` }
        added.push(
          (await call('POST /v1/members', 'POST', ['/v1/members'], { token: admin(), body, headers }, 201))
            .member.memberId,
        )
      },
      removals: async () => {
        const id = added.shift() as string
        await call(
          'DELETE /v1/members/{memberId}',
          'DELETE',
          ['/v1/members/{memberId}', `/v1/members/${id}`],
          { token: admin() },
          204,
        )
      },
      edits: (i) =>
        call(
          'PATCH /v1/members/{memberId} (name)',
          'PATCH',
          ['/v1/members/{memberId}', `/v1/members/${others(i).memberId}`],
          { token: admin(), body: { name: `Colleague ${i}`, employeeNo: `E-${i}` } },
          200,
        ),
      contactEdits: (i) =>
        call(
          'PATCH /v1/members/{memberId} (mobile)',
          'PATCH',
          ['/v1/members/{memberId}', `/v1/members/${others(i).memberId}`],
          { token: admin(), body: { mobile: mobile(tenant.nextMember()) } },
          200,
        ),
      departmentMoves: (i) =>
        call(
          'PUT /v1/members/{memberId}/departments',
          'PUT',
          ['/v1/members/{memberId}/departments', `/v1/members/${others(i).memberId}/departments`],
          { token: admin(), body: { departmentIds: [tenant.leaf(i)] } },
          200,
        ),
    }

    // The day, measured: production's log level, every line counted instead of printed.
    const dayEpoch = nowEpochSeconds()
    stats = new Map()
    const audit0 = audit.byCommand()
    const capacity0 = dynamoCapacityByCommand()
    const logLevel = process.env.LOG_LEVEL
    process.env.LOG_LEVEL = 'info'
    resetConfig()
    logs = captureLogs()
    try {
      for (const activity of Object.keys(MEMBER_DAY) as Activity[]) {
        const total = Math.round(MEMBER_DAY[activity].perDay * M)
        for (let i = 0; i < total; i++) await run[activity](i)
      }
    } finally {
      logs.restore()
      logs = undefined
      process.env.LOG_LEVEL = logLevel
      resetConfig()
    }
    const day = stats
    stats = undefined
    const commands = byCommandBetween(audit0, audit.byCommand(), capacity0, dynamoCapacityByCommand())
    const after = await snapshot(scanner, config().ATRIUM_TABLE_NAME)
    const stored = footprint(before, setUp, after, M, dayEpoch)

    // One more call of each kind, each with no data key cached, counting what it unwraps.
    coldKeys = new Map()
    for (const activity of Object.keys(MEMBER_DAY) as Activity[]) await run[activity](0)
    for (const [label, keys] of coldKeys) (day.get(label) as CallStats).dataKeys = keys
    coldKeys = undefined

    const session = await measureSessionCheck(audit, call, tenant.tenantId, admin(), 50)
    return {
      markdown: costReport({
        day,
        members: M,
        commands,
        calibration,
        stored,
        session,
        initMs: options.initMs,
      }),
    }
  } finally {
    audit.stop()
    unwraps.restore()
    scanner.destroy()
  }
}

const mobile = (n: number) => `+86137${String(n).padStart(8, '0')}`
const memberBody = (n: number) => ({
  name: `Colleague ${n}`,
  mobile: mobile(n),
  email: `colleague${n}@cost.test`,
  employeeNo: `E${n}`,
})

type Call = (
  label: string,
  method: string,
  path: [string, string?],
  request: {
    token?: string
    body?: unknown
    query?: Record<string, string>
    headers?: Record<string, string>
    ip?: string
  },
  expect: number,
  // biome-ignore lint/suspicious/noExplicitAny: the bench reads whatever JSON the API answered
) => Promise<any>

/**
 * The tenant of the model: an enterprise edition, a small department tree, a "staff" role carrying
 * the two read permissions the home and contacts screens need, and its members, each with a
 * password of their own and a live session.
 */
const openTenant = async (call: Call) => {
  const identifier = 'cost-admin@cost.test'
  const account = await prepareAccount(identifier, { password: PASSWORD })
  if (account.writes.length > 0) await executeTransactWrite(...account.writes)
  const opened = await createTenant(
    {
      customerId: 'bench-cost',
      name: 'Cost Model',
      industry: 'office',
      planCode: 'general.enterprise',
      trial: false,
      expiresAt: new Date(nowMs() + 365 * 86_400_000).toISOString(),
      customerLevel: 'V2',
      admin: { identifier, name: 'Cost Admin' },
      verification: { method: 'business-licence', reference: 'BENCH-LICENCE' },
    },
    { actor: 'bench' },
  )
  const login = (id: string, password: string) =>
    call('login', 'POST', ['/v1/auth/login'], { body: { identifier: id, password } }, 200)
  const first = await login(identifier, PASSWORD)
  const sessions: Session[] = [{ memberId: opened.admin.accountId, identifier, password: PASSWORD, ...first }]
  const token = first.accessToken as string
  const leaves: string[] = []
  for (const root of ['Plant', 'Office']) {
    const parent = await call('setup', 'POST', ['/v1/departments'], { token, body: { name: root } }, 201)
    for (const child of ['A', 'B', 'C'])
      leaves.push(
        (
          await call(
            'setup',
            'POST',
            ['/v1/departments'],
            { token, body: { name: `${root} ${child}`, parentId: parent.deptId } },
            201,
          )
        ).deptId,
      )
  }
  const role = await call(
    'setup',
    'POST',
    ['/v1/roles'],
    { token, body: { name: 'Staff', permissions: ['tenant.read', 'members.read'] } },
    201,
  )
  let n = 0
  const leaf = (i: number) => leaves[i % leaves.length] as string
  for (let i = 1; i < FLEET.membersPerTenant; i++) {
    const added = await call(
      'setup',
      'POST',
      ['/v1/members'],
      { token, body: { ...memberBody(++n), departmentIds: [leaf(n)] } },
      201,
    )
    const memberId = added.member.memberId as string
    await call(
      'setup',
      'PUT',
      ['/v1/members/{memberId}/roles', `/v1/members/${memberId}/roles`],
      { token, body: { roleIds: [role.roleId] } },
      200,
    )
    const once = await login(mobile(n), added.initialPassword)
    // a member proves their login with the code sent to it when they replace the one-time password
    await call(
      'setup',
      'POST',
      ['/v1/auth/codes'],
      { body: { identifier: mobile(n), purpose: 'activate' }, ip: `10.1.${n}.1` },
      202,
    )
    const own = await call(
      'setup',
      'POST',
      ['/v1/auth/password'],
      {
        token: once.accessToken,
        body: {
          currentPassword: added.initialPassword,
          newPassword: PASSWORD,
          verificationCode: await lastCode(mobile(n)),
        },
      },
      200,
    )
    sessions.push({ memberId, identifier: mobile(n), password: PASSWORD, ...own })
  }
  return { tenantId: opened.tenant.tenantId, sessions, leaf, nextMember: () => ++n }
}

/**
 * Drives known cases through the application's client and compares what DynamoDB Local reports
 * with what AWS documents for them and with what the model counts.
 */
const calibrate = async (audit: ReturnType<typeof auditCapacity>) => {
  const doc = getDocumentClient()
  const TableName = config().ATRIUM_TABLE_NAME
  const PK = 'BENCH#CAPACITY'
  const pad = 'x'.repeat(300)
  const cases: [string, number, () => Promise<unknown>][] = [
    [
      'GetItem of a missing key, eventually consistent',
      0.5,
      () => doc.send(new GetCommand({ TableName, Key: { PK, SK: 'none' } })),
    ],
    [
      'PutItem of a new item under 1 KB that enters one index',
      2,
      () => doc.send(new PutCommand({ TableName, Item: { PK, SK: 'a', GSI1PK: PK, GSI1SK: '1', pad } })),
    ],
    [
      "UpdateItem changing that item's index sort key",
      3,
      () =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { PK, SK: 'a' },
            UpdateExpression: 'SET GSI1SK = :k',
            ExpressionAttributeValues: { ':k': '2' },
          }),
        ),
    ],
    [
      'TransactWriteItems: a Put of a new item under 1 KB',
      2,
      () =>
        doc.send(
          new TransactWriteCommand({ TransactItems: [{ Put: { TableName, Item: { PK, SK: 'b', pad } } }] }),
        ),
    ],
    [
      'TransactWriteItems: a ConditionCheck and a Put, items under 1 KB',
      4,
      () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName,
                  Key: { PK, SK: 'a' },
                  ConditionExpression: 'attribute_exists(PK)',
                },
              },
              { Put: { TableName, Item: { PK, SK: 'c', pad } } },
            ],
          }),
        ),
    ],
    [
      'BatchGetItem, consistent: an item under 4 KB and a missing key',
      2,
      () =>
        doc.send(
          new BatchGetCommand({
            RequestItems: {
              [TableName]: {
                Keys: [
                  { PK, SK: 'a' },
                  { PK, SK: 'none' },
                ],
                ConsistentRead: true,
              },
            },
          }),
        ),
    ],
    [
      'Query that finds nothing, eventually consistent (*)',
      0.5,
      () =>
        doc.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'PK = :p',
            ExpressionAttributeValues: { ':p': 'BENCH#NOTHING' },
          }),
        ),
    ],
    [
      'TransactGetItems: one item under 4 KB',
      2,
      () =>
        doc.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName, Key: { PK, SK: 'a' } } }] })),
    ],
    [
      'BatchWriteItem: two Puts of new items under 1 KB',
      2,
      () =>
        doc.send(
          new BatchWriteCommand({
            RequestItems: {
              [TableName]: ['d', 'e'].map((SK) => ({ PutRequest: { Item: { PK, SK, pad } } })),
            },
          }),
        ),
    ],
    [
      'DeleteItem of an item under 1 KB in one index',
      2,
      () => doc.send(new DeleteCommand({ TableName, Key: { PK, SK: 'a' } })),
    ],
  ]
  const rows: (string | number)[][] = []
  for (const [name, documented, run] of cases) {
    const before = audit.byCommand()
    await run()
    const after = audit.byCommand()
    const diff = (k: 'localUnits' | 'awsUnits') =>
      Object.entries(after).reduce((n, [c, v]) => n + v[k] - (before[c]?.[k] ?? 0), 0)
    const local = diff('localUnits')
    const model = diff('awsUnits')
    rows.push([name, local, documented, model, verdict(model === documented)])
  }
  return rows
}

/** The day's requests by command: what DynamoDB Local reported, and what the model counts. */
const byCommandBetween = (
  audit0: Record<string, CommandAudit>,
  audit1: Record<string, CommandAudit>,
  capacity0: Readonly<Record<string, { units: number; reported: number }>>,
  capacity1: Readonly<Record<string, { units: number; reported: number }>>,
): CommandRow[] =>
  Object.entries(audit1).flatMap(([command, v]) => {
    const a = audit0[command]
    const d = (k: keyof CommandAudit) => v[k] - (a?.[k] ?? 0)
    if (d('requests') === 0) return []
    const client = (capacity1[command]?.units ?? 0) - (capacity0[command]?.units ?? 0)
    return [
      {
        command: command.replace(/Command$/, ''),
        requests: d('requests'),
        reported: d('reported'),
        client,
        local: d('localUnits'),
        aws: d('awsUnits'),
        transactionIndex: d('transactionIndexUnits'),
        sizeRule: d('sizeRuleUnits'),
      },
    ]
  })

/**
 * GET /v1/tenant through its handler, the use case alone (its single GetItem) and the live session
 * check alone (one BatchGetItem of account, session, membership and tenant).
 */
const measureSessionCheck = async (
  audit: ReturnType<typeof auditCapacity>,
  call: Call,
  tenantId: string,
  token: string,
  n: number,
): Promise<[Measured, Measured, Measured]> => {
  const principal = await verifyAccessToken(token)
  const measure = async (name: string, fn: () => Promise<unknown>): Promise<Measured> => {
    await fn()
    const requests0 = dynamoRequestCount()
    const audit0 = audit.byCommand()
    const times: number[] = []
    for (let i = 0; i < n; i++) {
      const started = performance.now()
      await fn()
      times.push(performance.now() - started)
    }
    const units = unitsBetween(audit0, audit.byCommand())
    return {
      name,
      requests: (dynamoRequestCount() - requests0) / n,
      readUnits: units.read / n,
      p50: percentile(times, 50),
    }
  }
  return [
    await measure('GET /v1/tenant, through its handler', () =>
      call('', 'GET', ['/v1/tenant'], { token }, 200),
    ),
    await measure('the use case alone (getTenantView)', () => getTenantView(tenantId)),
    await measure('the live session check alone (liveSession)', () => liveSession(principal)),
  ]
}
