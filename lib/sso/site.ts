import type { IncomingMessage, ServerResponse } from 'node:http'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import type Provider from 'oidc-provider'
import { endBrowserApiSessions, issueHandoff } from '../auth/browser-sessions.js'
import { tenantLogin } from '../auth/login.js'
import { LoginBody } from '../auth/login-body.js'
import { nowMs } from '../core/clock.js'
import { AppError } from '../core/errors.js'
import { clientCredentials } from '../core/http/client-credentials.js'
import { requestOrigin, tenantCodeOfHost, tenantIssuer } from '../core/http/origin.js'
import { randomToken } from '../core/ids.js'
import { log } from '../core/log.js'
import { trustedTenantId } from '../core/tenancy.js'
import { findTenant, tenantIdByCode } from '../tenants/queries.js'
import {
  casAppFor,
  issueTicket,
  normalService,
  renderValidation,
  renderValidation1,
  validateTicket,
} from './cas.js'
import { workbenchUserinfo } from './claims.js'
import type { PresentedClient } from './clients.js'
import { type IssuerPlace, issuerPath, PORTAL_CLIENT, providerFor } from './issuer.js'
import { launchAddress, myLaunchableApps } from './launch.js'
import { brandedPlace } from './page-branding.js'
import {
  page,
  renderLoggedOut,
  renderLoginForm,
  renderRefusal,
  renderWorkbench,
  WORKBENCH_POLICY,
} from './pages.js'
import { identityFor, readAhead } from './read-ahead.js'
import { type SsoRequest, ssoRequest, withSsoRequest } from './request-context.js'
import { endBrowserSession, sessionOf } from './sessions.js'
import { tellAppsSignedOut } from './single-logout.js'

type Req = IncomingMessage & { apiGateway?: { event: APIGatewayProxyEventV2 }; originalUrl?: string }

const places = new Map<string, { place: Omit<IssuerPlace, 'issuer'>; until: number }>()

/** A tenant's code to its id and name, kept a minute (the tenant's standing is checked at every use). */
const tenantByCode = async (code: string) => {
  const cached = places.get(code)
  if (cached && cached.until > nowMs()) return cached.place
  const tenantId = await tenantIdByCode(code)
  const tenant = tenantId ? await findTenant(tenantId) : undefined
  if (!tenant || tenant.status === 'released') return undefined
  const place = {
    tenantId: trustedTenantId(tenant.tenantId),
    tenantCode: code,
    tenantName: tenant.name,
    industry: tenant.industry,
  }
  places.set(code, { place, until: nowMs() + 60_000 })
  return place
}

const bodyOf = (req: Req): string => {
  const event = req.apiGateway?.event
  if (!event?.body) return ''
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body
}

const formOf = (req: Req) => new URLSearchParams(bodyOf(req))

/** The request's cookies; a value that does not decode is left as sent (a forged cookie is no 500). */
const cookiesOf = (req: Req): Map<string, string> =>
  new Map(
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .filter((kv): kv is [string, string] => kv.length >= 2 && kv[0] !== '')
      .map(([k, ...v]) => {
        const raw = v.join('=')
        try {
          return [k, decodeURIComponent(raw)]
        } catch {
          return [k, raw]
        }
      }),
  )

/**
 * Our pages run no script, post only to their own origin and are never framed (a sign-in form in
 * someone else's frame is a clickjacking target); images (branding) may come from elsewhere.
 */
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: http:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const send = (
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/html; charset=utf-8',
  policy = PAGE_POLICY,
) => {
  res.statusCode = status
  res.setHeader('content-type', type)
  res.setHeader('cache-control', 'no-store')
  if (type.startsWith('text/html')) res.setHeader('content-security-policy', policy)
  res.end(body)
}

const redirect = (res: ServerResponse, location: string) => {
  res.statusCode = 303
  res.setHeader('location', location)
  res.setHeader('cache-control', 'no-store')
  res.end()
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8')
}

/** The client credentials of a token request, HTTP Basic or in the form (client_secret_post). */
const presentedClient = (req: Req): PresentedClient | undefined => {
  const form = formOf(req)
  try {
    const { clientId, clientSecret } = clientCredentials(req.headers.authorization, {
      clientId: form.get('client_id') ?? undefined,
      clientSecret: form.get('client_secret') ?? undefined,
    })
    return { clientId, secret: clientSecret, fromForm: !/^Basic\s/i.test(req.headers.authorization ?? '') }
  } catch {
    // none or both: the provider answers the client itself (invalid_client)
    return undefined
  }
}

const CSRF_COOKIE = 'atrium_csrf'

/** A cookie of this issuer only (its path), Secure outside local. */
const issuerCookie = (place: IssuerPlace, name: string, value: string, attributes: string) =>
  `${name}=${value}; Path=${issuerPath(place) || '/'}; HttpOnly; ${attributes}${place.issuer.startsWith('https:') ? '; Secure' : ''}`

const clearedSession = (place: IssuerPlace) =>
  issuerCookie(place, '_session', '', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax')

const csrfCookie = (place: IssuerPlace, value: string) =>
  issuerCookie(place, CSRF_COOKIE, value, 'SameSite=Strict')

/** The sign-in form of an interaction, or the page that says why the member cannot go on. */
const interaction = async (
  provider: Provider,
  place: IssuerPlace,
  req: Req,
  res: ServerResponse,
  uid: string,
) => {
  const details = await provider.interactionDetails(req, res).catch(() => undefined)
  if (!details || details.uid !== uid) {
    return send(
      res,
      400,
      page(
        await brandedPlace(place),
        'Sign-in expired',
        '<p class="error">This sign-in has expired. Go back to the app and try again.</p>',
      ),
    )
  }
  const client = details.params.client_id
    ? await provider.Client.find(String(details.params.client_id))
    : undefined
  const appName = client?.clientName
  const action = `${issuerPath(place)}/interaction/${uid}`
  const refused = details.prompt.reasons.includes('not_entitled')
  if (refused) {
    const refusal = (details.prompt.details as { refusal?: SsoRequest['refusal'] }).refusal
    return send(res, 403, renderRefusal(await brandedPlace(place), refusal, appName))
  }
  if (req.method === 'GET') {
    const csrf = randomToken(24)
    res.setHeader('set-cookie', [csrfCookie(place, csrf)])
    return send(res, 200, renderLoginForm(await brandedPlace(place), { action, csrf, appName }))
  }
  const form = formOf(req)
  const csrf = cookiesOf(req).get(CSRF_COOKIE)
  if (!csrf || form.get('csrf') !== csrf) {
    return send(
      res,
      403,
      page(
        await brandedPlace(place),
        'Sign-in refused',
        '<p class="error">The form expired. Go back and try again.</p>',
      ),
    )
  }
  const identifier = form.get('identifier') ?? ''
  // the API login's own schema: a malformed or oversized entry is refused before any work
  const input = LoginBody.safeParse({
    identifier,
    password: form.get('password') ?? '',
    tenantCode: place.tenantCode,
  })
  if (!input.success) {
    const fresh = randomToken(24)
    res.setHeader('set-cookie', [csrfCookie(place, fresh)])
    const error = input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    return send(
      res,
      400,
      renderLoginForm(await brandedPlace(place), { action, csrf: fresh, appName, identifier, error }),
    )
  }
  try {
    const { accountId } = await tenantLogin(
      { ...input.data, tenantCode: place.tenantCode },
      {
        ip: req.socket?.remoteAddress ?? req.headers['x-forwarded-for']?.toString() ?? 'unknown',
        userAgent: req.headers['user-agent'] ?? '',
      },
    )
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false })
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    const fresh = randomToken(24)
    res.setHeader('set-cookie', [csrfCookie(place, fresh)])
    send(
      res,
      err.code === 'ACCOUNT_LOCKED' ? 429 : 401,
      renderLoginForm(await brandedPlace(place), {
        action,
        csrf: fresh,
        appName,
        identifier,
        error: err.message,
      }),
    )
  }
}

/**
 * The workbench's userinfo (protocol doc A.5), for both dialects: the access token, then the
 * member as this app may see them, checked now (a disabled member's token stops working at once).
 */
const userinfo = async (provider: Provider, place: IssuerPlace, req: Req, res: ServerResponse) => {
  const bearer =
    /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? formOf(req).get('access_token')
  const unauthorized = () =>
    json(
      res,
      401,
      { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' },
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    )
  if (!bearer) return unauthorized()
  const token = await provider.AccessToken.find(bearer)
  const appCode = (token?.extra as { app_code?: string } | undefined)?.app_code
  if (!token?.accountId || appCode === undefined) return unauthorized()
  const verdict = await identityFor(place.tenantId, appCode, token.accountId)
  if (!verdict.ok) return unauthorized()
  json(res, 200, workbenchUserinfo(verdict.identity))
}

/** A path of this issuer to come back to after signing in; anything else is ignored (no open redirect). */
const returnPath = (place: IssuerPlace, value: string | null) => {
  const base = `${issuerPath(place)}/`
  const path = value?.split('?')[0] ?? ''
  return value?.startsWith(base) && !/[\\]|\/\//.test(path) ? value : undefined
}

/**
 * The portal: the web workbench (docs/web-workbench.md) for a signed-in member, with their apps
 * listed for a browser that runs no script; signs in first when nobody is. The sign-in lands on
 * `/login?code=…`, which moves on to the workbench's own address.
 */
const portal = async (
  provider: Provider,
  place: IssuerPlace,
  req: Req,
  res: ServerResponse,
  url: URL,
  rest: string,
) => {
  const session = await sessionOf(provider, cookiesOf(req))
  const back = returnPath(place, url.searchParams.get('return') ?? url.searchParams.get('state'))
  if (!session) {
    const authorize = new URL(`${place.issuer}/api/v1/oauth2/authorize`)
    authorize.search = new URLSearchParams({
      client_id: PORTAL_CLIENT,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${place.issuer}/login`,
      code_challenge: randomToken(32),
      code_challenge_method: 'S256',
      ...(back ? { state: back } : {}),
      ...(url.searchParams.get('prompt') === 'login' ? { prompt: 'login' } : {}),
    }).toString()
    return redirect(res, authorize.href)
  }
  if (back) return redirect(res, back)
  // the workbench's own address, without the sign-in's leftovers (its code): `/t/<code>/`, or
  // `/login` on a tenant's own domain, whose root is meta's (it sends it here)
  const own = issuerPath(place) === '' ? '/login' : '/'
  if (rest !== own || url.search !== '') return redirect(res, `${place.issuer}${own}`)
  const apps = await myLaunchableApps(place, session.accountId as string)
  send(res, 200, renderWorkbench(await brandedPlace(place), apps), undefined, WORKBENCH_POLICY)
}

/** The header only the workbench's own script sends (a form cannot; another site's script needs CORS). */
export const HANDOFF_HEADER = 'x-atrium-handoff'

const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
  json(res, status, { error: { code, message } })

/**
 * The web workbench's way to the API: a single-use code for the member signed in to this browser,
 * which `POST /v1/auth/handoff` exchanges for tokens (lib/auth/browser-sessions.ts). Only this
 * issuer's own page may ask: it sends a header a form cannot, and the browser's word on where the
 * request comes from (Origin, Sec-Fetch-Site), when given, must be this origin; the session cookie
 * is SameSite=Lax besides, so a cross-site request carries no sign-in.
 */
const handoff = async (provider: Provider, place: IssuerPlace, req: Req, res: ServerResponse) => {
  const site = req.headers['sec-fetch-site']
  const origin = req.headers.origin
  if (
    req.headers[HANDOFF_HEADER] !== '1' ||
    (site !== undefined && site !== 'same-origin') ||
    (origin !== undefined && origin !== new URL(place.issuer).origin)
  ) {
    return refuse(res, 403, 'FORBIDDEN', "only the workbench's own page may ask for a hand-off")
  }
  const session = await sessionOf(provider, cookiesOf(req))
  if (!session) return refuse(res, 401, 'UNAUTHENTICATED', 'nobody is signed in in this browser')
  try {
    const handed = await issueHandoff(place.tenantId, session.accountId as string, {
      uid: session.uid,
      expiresAtEpoch: session.exp as number,
    })
    json(res, 200, handed)
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    refuse(res, err.status, err.code, err.message)
  }
}

/**
 * CAS login (protocol doc B): a registered service gets a ticket for a signed-in member the app
 * lets in; nobody signed in signs in first and comes back; an unregistered service gets a page,
 * never a redirect. `renew` asks for a sign-in of the last minute, `gateway` never shows a form.
 */
const casLogin = async (provider: Provider, place: IssuerPlace, req: Req, res: ServerResponse, url: URL) => {
  const service = url.searchParams.get('service')
  if (!service) return redirect(res, `${place.issuer}/login`)
  const app = await casAppFor(place.tenantId, service)
  const normal = normalService(service)
  if (!app || !normal) {
    return send(
      res,
      400,
      page(
        await brandedPlace(place),
        'Unknown service',
        '<p class="error">This address is not registered for sign-in here.</p>',
      ),
    )
  }
  const session = await sessionOf(provider, cookiesOf(req))
  const renew = url.searchParams.get('renew') === 'true'
  const loginTs = Number(session?.loginTs ?? 0)
  const fresh = Date.now() / 1000 - loginTs < 60
  if (!session || (renew && !fresh)) {
    if (url.searchParams.get('gateway') === 'true') return redirect(res, service)
    const back = `${url.pathname}${url.search}`
    const next = new URL(`${place.issuer}/login`)
    next.searchParams.set('return', back)
    if (renew) next.searchParams.set('prompt', 'login')
    return redirect(res, next.href)
  }
  const verdict = await identityFor(place.tenantId, app.appId, session.accountId as string)
  if (!verdict.ok) return send(res, 403, renderRefusal(await brandedPlace(place), verdict.refusal, app.name))
  const ticket = await issueTicket(
    place.tenantId,
    {
      accountId: session.accountId as string,
      appCode: app.appId,
      service: normal,
      authenticatedAt: loginTs,
      newLogin: fresh,
    },
    session.jti,
  )
  const to = new URL(service)
  to.searchParams.set('ticket', ticket)
  redirect(res, to.href)
}

/** CAS validation, versions 1.0 to 3.0; proxy tickets are not offered. */
const casValidate = async (place: IssuerPlace, res: ServerResponse, url: URL, step: string) => {
  const format = url.searchParams.get('format')?.toUpperCase() === 'JSON' ? 'JSON' : 'XML'
  const type = format === 'JSON' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8'
  if (step === 'proxy' || step.endsWith('proxyValidate')) {
    const result = {
      ok: false as const,
      failure: { code: 'INVALID_REQUEST', description: 'proxy tickets are not supported' },
    }
    return send(res, 200, renderValidation(result, format, false), type)
  }
  const result = await validateTicket(
    place.tenantId,
    url.searchParams.get('ticket') ?? undefined,
    url.searchParams.get('service') ?? undefined,
  )
  if (step === 'validate') return send(res, 200, renderValidation1(result), 'text/plain; charset=utf-8')
  send(res, 200, renderValidation(result, format, step === 'p3/serviceValidate'), type)
}

/** CAS logout: the browser session ends; back to the service only when an app registered it. */
const casLogout = async (provider: Provider, place: IssuerPlace, req: Req, res: ServerResponse, url: URL) => {
  const service = url.searchParams.get('service')
  await endBrowserSession(provider, place, cookiesOf(req), undefined)
  res.setHeader('set-cookie', [clearedSession(place)])
  if (service && (await casAppFor(place.tenantId, service))) return redirect(res, service)
  send(res, 200, renderLoggedOut(await brandedPlace(place)))
}

/** The workbench's global logout (A.6): the browser session and what it granted end; back only to a registered address. */
const logout = async (provider: Provider, place: IssuerPlace, req: Req, res: ServerResponse) => {
  const target = new URL(req.url ?? '/', 'http://x').searchParams.get('redirect_url') ?? undefined
  const back = await endBrowserSession(provider, place, cookiesOf(req), target)
  res.setHeader('set-cookie', [clearedSession(place)])
  if (back) return redirect(res, back)
  send(res, 200, renderLoggedOut(await brandedPlace(place)))
}

/** An authorization on a live session, or a code or refresh token exchange: read ahead in two batches. */
const readAheadFor = async (place: IssuerPlace, rest: string, req: Req, url: URL) => {
  if (rest === '/api/v1/oauth2/authorize' && req.method === 'GET') {
    const clientId = url.searchParams.get('client_id')
    const session = cookiesOf(req).get('_session')
    if (clientId && session) await readAhead(place.tenantId, clientId, { model: 'Session', id: session })
  }
  if (rest === '/api/v1/oauth2/token' && req.method === 'POST') {
    const form = formOf(req)
    const clientId = ssoRequest().presented?.clientId
    const grant = form.get('grant_type')
    const code = grant === 'authorization_code' ? form.get('code') : undefined
    const refresh = grant === 'refresh_token' ? form.get('refresh_token') : undefined
    if (clientId && code) await readAhead(place.tenantId, clientId, { model: 'AuthorizationCode', id: code })
    if (clientId && refresh) await readAhead(place.tenantId, clientId, { model: 'RefreshToken', id: refresh })
  }
}

const notFoundPage = (res: ServerResponse) =>
  send(res, 404, '<!doctype html><title>Not found</title><p>No such workbench.</p>')

/**
 * Where a request is in the SSO site: the tenant and the path below its issuer. A tenant's own
 * domain serves that tenant at its root; any other host serves every tenant under `/t/<code>`.
 */
const locate = (url: URL, host: string) => {
  const own = tenantCodeOfHost(host)
  if (own) return { code: own, rest: url.pathname }
  const match = /^\/t\/([a-z0-9-]{3,40})(\/.*)?$/.exec(url.pathname)
  return match ? { code: match[1] as string, rest: match[2] ?? '/' } : undefined
}

/**
 * Every SSO address of a tenant under one origin, so one browser session serves all of its apps:
 * the hosted sign-in, the OpenID provider (both dialects), the portal, logout.
 */
export const ssoSite = async (req: Req, res: ServerResponse) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const { proto, host } = requestOrigin(req.headers)
  const at = locate(url, host)
  const place = at ? await tenantByCode(at.code) : undefined
  if (!at || !place) return notFoundPage(res)
  const issuerPlace: IssuerPlace = { ...place, issuer: tenantIssuer(req.headers, place.tenantCode) }
  const provider = await providerFor(issuerPlace)
  const { rest } = at
  // what Koa believes about the origin is what this handler decided, never a client's header
  req.headers['x-forwarded-proto'] = proto
  req.headers['x-forwarded-host'] = host
  Object.assign(req.socket, { encrypted: proto === 'https' })
  const presented = rest === '/api/v1/oauth2/token' ? presentedClient(req) : undefined
  await withSsoRequest({ presented, identities: new Map(), spent: new Set() }, async () => {
    const uid = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(rest)?.[1]
    if (uid && (req.method === 'GET' || req.method === 'POST'))
      return interaction(provider, issuerPlace, req, res, uid)
    if (rest === '/api/v1/oauth2/userinfo') return userinfo(provider, issuerPlace, req, res)
    // CAS under the workbench's prefix and the standard one (a CAS client appends to `…/cas`)
    const cas =
      /^\/(?:api\/v1\/)?cas\/(login|logout|validate|serviceValidate|p3\/serviceValidate|proxyValidate|p3\/proxyValidate|proxy)$/.exec(
        rest,
      )?.[1]
    if (cas && req.method === 'GET') {
      if (cas === 'login') return casLogin(provider, issuerPlace, req, res, url)
      if (cas === 'logout') return casLogout(provider, issuerPlace, req, res, url)
      return casValidate(issuerPlace, res, url, cas)
    }
    const launch = /^\/launch\/([0-9a-z-]{3,60})$/.exec(rest)?.[1]
    if (launch && req.method === 'GET') {
      const to = await launchAddress(issuerPlace, launch)
      return to
        ? redirect(res, to)
        : send(res, 404, renderRefusal(await brandedPlace(issuerPlace), 'no_such_app'))
    }
    if (rest === '/api/v1/logout' && req.method === 'GET') return logout(provider, issuerPlace, req, res)
    if ((rest === '/' || rest === '/login') && req.method === 'GET' && !url.searchParams.has('error')) {
      return portal(provider, issuerPlace, req, res, url, rest)
    }
    if (rest === '/session/handoff' && req.method === 'POST') return handoff(provider, issuerPlace, req, res)
    // the workbench's apps may leave the scope out: it is get_user_info then (protocol doc A.2)
    if (rest === '/api/v1/oauth2/authorize' && !url.searchParams.has('scope')) {
      url.searchParams.set('scope', 'get_user_info')
    }
    await readAheadFor(issuerPlace, rest, req, url)
    const inner =
      rest === '/api/v1/oauth2/.well-known/openid-configuration' ? '/.well-known/openid-configuration' : rest
    req.originalUrl = `${issuerPath(issuerPlace)}${inner}${url.search}`
    req.url = `${inner}${url.search}`
    // an RP-initiated logout: the provider tells the OpenID apps, the CAS apps are told here
    const ending =
      rest === '/api/v1/oauth2/logout/confirm' ? await sessionOf(provider, cookiesOf(req)) : undefined
    await provider.callback()(req, res)
    if (ending && !(await provider.Session.find(ending.jti))) {
      await tellAppsSignedOut(provider, issuerPlace.tenantId, ending, { oidc: false })
    }
    // signing out of one app keeps the browser's sign-in (under a new id, the same uid)
    if (ending && !(await provider.Session.findByUid(ending.uid))) {
      await endBrowserApiSessions(issuerPlace.tenantId, ending.uid)
    }
  }).catch(async (err: unknown) => {
    log.error('sso request failed', { errorName: (err as Error).name })
    if (!res.headersSent)
      send(
        res,
        500,
        page(
          await brandedPlace(issuerPlace),
          'Error',
          '<p class="error">Something went wrong. Try again.</p>',
        ),
      )
  })
}
