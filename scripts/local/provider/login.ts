import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { html } from '../../../lib/sso/pages.js'
import { page, signedInPage } from './pages.js'
import type { ProviderState } from './state.js'

/**
 * Signing a user in as a provider's app does it with what the sync gave it (protocol doc A.7):
 * `/login?tenant=<tenantId>` sends the browser to `{domainName}/api/v1/oauth2/authorize` with the
 * tenant's clientId; `/callback?code&tenant` (and the state, unless the workbench launched the app
 * from a tile) exchanges the code with the decrypted client secret, asks userinfo, and says whether
 * the user is one the provider received. No session of its own: the page shows who came.
 */

/** state → the login it stands for (bound to the browser by a cookie on /callback), for 10 minutes. */
export type PendingLogins = Map<string, { tenantId: string; appId: string; until: number }>

export interface LoginOutcome {
  status: number
  page?: string
  redirect?: string
  headers?: Record<string, string>
  log?: string
}

const LOGIN_TTL_MS = 600_000
const COOKIE = 'provider_state'

const failed = (status: number, title: string, detail: string): LoginOutcome => ({
  status,
  page: page(title, `<p>${html(detail)}</p><p><a href="/">The provider</a></p>`),
  log: `sign-in: ${title}: ${detail}`,
})

const cookieOf = (req: IncomingMessage, name: string) =>
  String(req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === name)?.[1]

const readJson = async (res: Response): Promise<Record<string, unknown>> => {
  const text = await res.text()
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : { body: text }
  } catch {
    return { body: text.slice(0, 500) }
  }
}

export const login = async (
  url: URL,
  req: IncomingMessage,
  ctx: { origin: string; state: ProviderState; pending: PendingLogins },
): Promise<LoginOutcome> => {
  const now = Date.now()
  for (const [s, p] of ctx.pending) if (p.until < now) ctx.pending.delete(s)
  const redirectUri = `${ctx.origin}/callback`
  const tenantId = url.searchParams.get('tenant') ?? ''
  const tenant = ctx.state.tenants.get(tenantId)

  if (url.pathname === '/login') {
    const app = tenant?.apps.get(url.searchParams.get('app') ?? '') ?? [...(tenant?.apps.values() ?? [])][0]
    if (!tenant?.domainName || !app)
      return failed(404, 'Cannot sign in', `no tenant ${tenantId} with app credentials was received`)
    const state = randomBytes(16).toString('hex')
    ctx.pending.set(state, { tenantId, appId: app.appId, until: now + LOGIN_TTL_MS })
    const authorize = new URL(`${tenant.domainName}/api/v1/oauth2/authorize`)
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: redirectUri,
      // optional in the protocol (A.2, get_user_info by default), but Atrium's issuer answers
      // access_denied to an authorization that asks for no scope at all
      scope: 'get_user_info',
      state,
    }).toString()
    return {
      status: 303,
      redirect: authorize.href,
      headers: {
        'set-cookie': `${COOKIE}=${state}; Path=/callback; HttpOnly; SameSite=Lax; Max-Age=${LOGIN_TTL_MS / 1000}`,
      },
    }
  }

  // /callback
  const error = url.searchParams.get('error')
  if (error)
    return failed(
      400,
      'The sign-in was refused',
      `${error}: ${url.searchParams.get('error_description') ?? ''}`,
    )
  const code = url.searchParams.get('code')
  if (!code || !tenantId) return failed(400, 'Not a sign-in', 'the callback needs code and tenant')
  const state = url.searchParams.get('state')
  let appId: string | undefined
  if (state !== null) {
    const started = ctx.pending.get(state)
    ctx.pending.delete(state)
    if (!started || cookieOf(req, COOKIE) !== state || started.tenantId !== tenantId)
      return failed(
        400,
        'Not a sign-in',
        'the state is unknown, expired, of another browser or another tenant',
      )
    appId = started.appId
  }
  // without state: the workbench launched the app (a tile), and `tenant` says whose credentials
  const app = appId ? tenant?.apps.get(appId) : [...(tenant?.apps.values() ?? [])][0]
  if (!tenant?.domainName || !app)
    return failed(404, 'Cannot sign in', `no tenant ${tenantId} with app credentials was received`)
  const tokenRes = await fetch(`${tenant.domainName}/api/v1/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    }),
  })
  const tokens = await readJson(tokenRes)
  if (!tokenRes.ok || typeof tokens.access_token !== 'string')
    return failed(
      502,
      'The token endpoint refused the code',
      `HTTP ${tokenRes.status}: ${JSON.stringify(tokens)}`,
    )
  const infoRes = await fetch(`${tenant.domainName}/api/v1/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' },
  })
  const userinfo = await readJson(infoRes)
  if (!infoRes.ok)
    return failed(502, 'userinfo refused the token', `HTTP ${infoRes.status}: ${JSON.stringify(userinfo)}`)
  if (userinfo.tenant !== undefined && userinfo.tenant !== tenantId)
    return failed(502, 'userinfo names another tenant', `${String(userinfo.tenant)}, not ${tenantId}`)
  const user = tenant.users.get(String(userinfo.userName ?? ''))
  const verdict = !user ? 'not synced' : user.state === 'revoked' ? 'revoked' : 'known user'
  return {
    status: 200,
    page: signedInPage({ tenant, userinfo, verdict, launched: state === null }),
    headers: state === null ? {} : { 'set-cookie': `${COOKIE}=; Path=/callback; Max-Age=0` },
    log: `sign-in: ${String(userinfo.userName)} of ${tenant.tenantCode ?? tenantId}: ${verdict}`,
  }
}
