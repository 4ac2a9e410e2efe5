import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { executeTransactWrite } from 'dynamodb-toolbox'
import { dynamoRequestCount, dynamoRequestsByCommand } from '../lib/core/db/client.js'
import { prepareAccount, putMembership } from '../lib/identity/accounts.js'
import { enterpriseTenant, event } from './directory.js'
import { fmt, percentile, table, timed, verdict } from './stats.js'

type Result = { statusCode?: number; body?: string; headers?: Record<string, unknown>; cookies?: string[] }
type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<Result>

/** A browser against the SSO function in process: a cookie jar and API Gateway events. */
const browser = (sso: Handler) => {
  const jar = new Map<string, string>()
  const request = async (
    method: string,
    url: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ) => {
    const u = new URL(url)
    const res = await sso(
      {
        version: '2.0',
        rawPath: u.pathname,
        rawQueryString: u.search.slice(1),
        headers: {
          host: u.host,
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
        cookies: [...jar].map(([k, v]) => `${k}=${v}`),
        requestContext: {
          requestId: 'bench',
          http: { method, path: u.pathname, sourceIp: '127.0.0.1', userAgent: 'bench' },
        },
        body: form ? new URLSearchParams(form).toString() : undefined,
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2,
      { awsRequestId: 'bench' } as Context,
    )
    if (process.env.DEBUG_SSO_BENCH)
      console.log(
        'DBG',
        method,
        u.pathname,
        res.statusCode,
        JSON.stringify(res.cookies),
        JSON.stringify(Object.keys(res.headers ?? {})),
      )
    for (const c of res.cookies ?? []) {
      const [pair] = c.split(';')
      const [k, v] = (pair as string).split('=')
      if (v) jar.set(k as string, v)
      else jar.delete(k as string)
    }
    const location = res.headers?.location as string | undefined
    return {
      status: res.statusCode ?? 500,
      location: location && new URL(location, url).href,
      body: res.body ?? '',
    }
  }
  return { request }
}

/**
 * Single sign-on steps of an app written for the cloud workbench: authorize with a live browser
 * session (the tile click), the code's exchange, userinfo. Each step's DynamoDB requests and p50
 * (ratio to a bare GetItem), in process against DynamoDB Local.
 */
export const measureSso = async (options: { bareGetItemP50: number; n: number }) => {
  const { tenantId, code, adminToken } = await enterpriseTenant('sso')
  const { handler: apps } = (await import('../functions/apps/handler.js')) as { handler: Handler }
  const { handler: sso } = (await import('../functions/sso/handler.js')) as { handler: Handler }
  const context = { awsRequestId: 'bench' } as Context
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await apps(event(method, path, adminToken, body), context)
    if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
    return JSON.parse(res.body ?? '{}')
  }
  const callback = 'https://erp.bench.test/sso/callback'
  const app = await admin('POST', '/v1/apps', {
    name: 'Bench ERP',
    protocol: 'oauth2',
    clientTypes: ['web'],
    redirectUris: [callback],
  })
  const identifier = 'bench-sso@bench.test'
  const password = 'Bench-member-2026'
  const account = await prepareAccount(identifier, { password })
  await executeTransactWrite(
    ...account.writes,
    ...putMembership({
      realm: 'tenant',
      ctx: tenantId,
      ctxCode: code,
      accountId: account.accountId,
      roles: [],
    }),
  )
  await admin('POST', `/v1/apps/${app.appId}/grants`, { members: [account.accountId] })

  const issuer = `http://localhost:3000/t/${code}`
  const b = browser(sso)
  const authorizeUrl = `${issuer}/api/v1/oauth2/authorize?${new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: callback,
    scope: 'get_user_info',
  })}`
  // the first visit signs in through the hosted page; what is measured runs on its session
  let res = await b.request('GET', authorizeUrl)
  while (res.location?.startsWith(issuer)) res = await b.request('GET', res.location)
  const csrf = /name="csrf" value="([^"]+)"/.exec(res.body)?.[1] as string
  const action = /action="([^"]+)"/.exec(res.body)?.[1] as string
  res = await b.request('POST', new URL(action, issuer).href, { csrf, identifier, password })
  while (res.location?.startsWith(issuer)) res = await b.request('GET', res.location)
  if (!res.location?.startsWith(callback)) throw new Error(`sign-in failed: ${res.status} ${res.body}`)

  const authorize = async () => {
    const r = await b.request('GET', authorizeUrl)
    if (!r.location?.startsWith(callback)) throw new Error(`authorize: ${r.status} ${r.body}`)
    return new URL(r.location).searchParams.get('code') as string
  }
  const exchange = async (codeValue: string) => {
    const r = await b.request('POST', `${issuer}/api/v1/oauth2/token`, {
      grant_type: 'authorization_code',
      code: codeValue,
      redirect_uri: callback,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    })
    if (r.status !== 200) throw new Error(`token: ${r.status} ${r.body}`)
    return JSON.parse(r.body).access_token as string
  }
  const userinfo = async (token: string) => {
    const r = await b.request('GET', `${issuer}/api/v1/oauth2/userinfo`, undefined, {
      authorization: `Bearer ${token}`,
    })
    if (r.status !== 200) throw new Error(`userinfo: ${r.status} ${r.body}`)
  }

  const steps: { name: string; samples: number[]; requests: number; commands: string }[] = []
  const step = async (name: string, run: () => Promise<unknown>) => {
    const before = dynamoRequestCount()
    const byCommand = { ...dynamoRequestsByCommand() }
    await run()
    const requests = dynamoRequestCount() - before
    const commands = Object.entries(dynamoRequestsByCommand())
      .map(([c, n]) => [c.replace(/Command$/, ''), n - (byCommand[c] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')
    const samples = await timed(options.n, run)
    steps.push({ name, samples, requests, commands })
  }
  const codes: string[] = []
  await step('authorize (live session)', async () => codes.push(await authorize()))
  const tokens: string[] = []
  await step('token (code → tokens)', async () => tokens.push(await exchange(codes.shift() as string)))
  const token = tokens[0] as string
  await step('userinfo', () => userinfo(token))

  const rows = steps.map((s) => {
    const p50 = percentile(s.samples, 50)
    return [
      s.name,
      String(s.samples.length),
      fmt(p50),
      fmt(percentile(s.samples, 99)),
      fmt(p50 / options.bareGetItemP50),
      `${s.requests} (${s.commands})`,
      `${verdict(s.requests <= 3)} (≤ 3 requests)`,
    ]
  })
  for (const s of steps)
    console.log(`sso ${s.name}: ${s.requests} requests, p50 ${fmt(percentile(s.samples, 50))} ms`)
  return {
    markdown: table(['step', 'n', 'p50 ms', 'p99 ms', 'p50 × GetItem', 'DynamoDB requests', 'target'], rows),
    steps,
  }
}
