import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as oidc from 'openid-client'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { expireSubscription, subscribeApp } from '../../lib/apps/subscriptions.js'
import { config as appConfig } from '../../lib/core/config.js'
import { actionOf, browser, csrfOf } from '../support/browser.js'
import { domainFetch } from '../support/domain-fetch.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { startOffline, type TestApi } from '../support/offline.js'

const GRACE_MS = 2000

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the issuer answered
type Json = any

describe('single sign-on over HTTP (a certified-library relying party against a tenant issuer)', () => {
  let api: TestApi
  let admin: Awaited<ReturnType<typeof openTenant>>
  let issuer: string
  const redirectUri = 'https://rp.example.test/callback'
  let app: { appId: string; clientId: string; clientSecret: string }
  let member: { memberId: string; email: string; password: string }

  beforeAll(async () => {
    api = await startOffline({ SSO_REFRESH_GRACE_SECONDS: String(GRACE_MS / 1000) })
    const { platformToken } = await platformFixture()
    admin = await openTenant(platformToken)
    issuer = `${api.baseUrl}/t/${admin.tenant.code}`
    const registered = await call(apps, 'POST', '/v1/apps', {
      token: admin.accessToken,
      body: {
        name: 'Relying party',
        protocol: 'oidc',
        clientTypes: ['web'],
        homeUrl: 'https://rp.example.test/',
        redirectUris: [redirectUri],
      },
    })
    expect(registered.status).toBe(201)
    app = registered.body
    const email = `sso-${Date.now()}@corp.test`
    const added = await call(directory, 'POST', '/v1/members', {
      token: admin.accessToken,
      body: { name: 'Single Sign', email },
    })
    const first = await login(email, added.body.initialPassword)
    await activate(first.accessToken, email, added.body.initialPassword, 'Member-password-1')
    member = { memberId: added.body.member.memberId, email, password: 'Member-password-1' }
    const granted = await call(apps, 'POST', `/v1/apps/${app.appId}/grants`, {
      token: admin.accessToken,
      body: { members: [member.memberId] },
    })
    expect(granted.status).toBeLessThan(300)
  }, 240_000)

  afterAll(async () => {
    await api?.stop()
  })

  const client = () =>
    oidc.discovery(new URL(issuer), app.clientId, app.clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    })

  /** Where the browser lands after filling the hosted sign-in form, if the page asked for it. */
  const passSignIn = async (
    b: ReturnType<typeof browser>,
    res: Awaited<ReturnType<ReturnType<typeof browser>['follow']>>,
    who = member,
    at = issuer,
  ) =>
    res.status === 200 && res.text.includes('name="password"')
      ? b.signIn({ text: res.text, at }, { identifier: who.email, password: who.password }, at)
      : res

  /** Code + PKCE through the hosted sign-in page, as a browser does; answers the callback URL. */
  const signIn = async (
    b: ReturnType<typeof browser>,
    config: oidc.Configuration,
    who = member,
    at = issuer,
  ) => {
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    })
    const res = await passSignIn(b, await b.follow(url.href, at), who, at)
    return { res, verifier, state }
  }

  it('completes code + PKCE, ID token, userinfo, refresh rotation and RP-initiated logout', async () => {
    const config = await client()
    expect(config.serverMetadata().issuer).toBe(issuer)
    expect(config.serverMetadata().end_session_endpoint).toBeDefined()
    const b = browser()
    const { res, verifier, state } = await signIn(b, config)
    expect(res.at.startsWith(redirectUri)).toBe(true)
    const tokens = await oidc.authorizationCodeGrant(config, new URL(res.at), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    })
    const claims = tokens.claims()
    expect(claims?.sub).toMatch(/^[0-9a-z]{26}$/)
    expect(claims?.sub).not.toBe(member.memberId)
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub as string)
    expect(info.preferred_username).toBe(claims?.sub)
    expect(info.email).toBeUndefined()

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string)
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)
    // a duplicate retry within the grace (2 s here) is answered; past it the used token is refused
    const retried = await oidc.refreshTokenGrant(config, tokens.refresh_token as string)
    expect(retried.refresh_token).not.toBe(refreshed.refresh_token)
    await new Promise((r) => setTimeout(r, GRACE_MS + 500))
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toThrow()

    // a second app visit signs in without a form: the browser session carries it
    const again = await signIn(b, config)
    expect(again.res.at.startsWith(redirectUri)).toBe(true)

    const logout = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: redirectUri,
    })
    const confirm = await b.follow(logout.href, issuer)
    expect(confirm.status).toBe(200)
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)?.[1] as string
    const done = await b.follow(new URL(actionOf(confirm.text), issuer).href, issuer, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    })
    expect(done.at.startsWith(redirectUri)).toBe(true)
    // the session is gone: the next visit asks for the password again
    const after = await b.follow(
      oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', state: 'x' }).href,
      issuer,
    )
    expect(after.text).toContain('name="password"')
  })

  it("signs in on the hosted page and lists the member's apps (the portal)", async () => {
    const b = browser()
    const form = await b.follow(`${issuer}/`, issuer)
    expect([form.status, form.text.includes('name="password"')]).toEqual([200, true])
    // no script, posts to itself only, never framed (clickjacking)
    expect(form.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'.*base-uri 'none'/)
    const portal = await b.signIn(
      { text: form.text, at: issuer },
      { identifier: member.email, password: member.password },
      issuer,
    )
    expect(portal.status).toBe(200)
    expect(portal.text).toContain('Relying party')
    // a wrong password shows the form again with the reason, and no session
    const other = browser()
    const wrong = await other.follow(`${issuer}/login`, issuer)
    const again = await other.go(new URL(actionOf(wrong.text), issuer).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged', identifier: member.email, password: 'x' }).toString(),
    })
    expect(again.status).toBe(403)
  })

  it('refuses a registered app to a member it was not granted to, with a page and never a code', async () => {
    const email = `nogrant-${Date.now()}@corp.test`
    const added = await call(directory, 'POST', '/v1/members', {
      token: admin.accessToken,
      body: { name: 'Not Granted', email },
    })
    const first = await login(email, added.body.initialPassword)
    await activate(first.accessToken, email, added.body.initialPassword, 'Member-password-1')
    const config = await client()
    const { res } = await signIn(browser(), config, {
      memberId: added.body.member.memberId,
      email,
      password: 'Member-password-1',
    })
    expect(res.at.startsWith(redirectUri)).toBe(false)
    expect(res.status).toBe(403)
    expect(res.text).toContain('not been given access')
  })

  it('answers forged and oversized input with a 4xx, never a 500', async () => {
    const huge = 'A'.repeat(5000)
    const token = await fetch(`${issuer}/api/v1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: huge,
        redirect_uri: redirectUri,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      }),
    })
    expect(token.status).toBe(400)
    const refresh = await fetch(`${issuer}/api/v1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: huge,
        client_id: huge,
        client_secret: 'x',
      }),
    })
    expect([400, 401]).toContain(refresh.status)
    const info = await fetch(`${issuer}/api/v1/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${huge}` },
    })
    expect(info.status).toBe(401)
    const authorize = await fetch(
      `${issuer}/api/v1/oauth2/authorize?${new URLSearchParams({ client_id: huge, response_type: 'code', redirect_uri: redirectUri, scope: 'openid' })}`,
      { redirect: 'manual', headers: { cookie: `_session=${huge}; atrium_csrf=%E0%A4%A` } },
    )
    expect(authorize.status).toBe(400)
    const portal = await fetch(`${issuer}/`, {
      redirect: 'manual',
      headers: { cookie: `_session=%E0%A4%A; x=${huge}` },
    })
    expect(portal.status).toBe(303)
    const ticket = await fetch(
      `${issuer}/cas/p3/serviceValidate?${new URLSearchParams({ service: 'https://x.test/', ticket: `ST-${huge}` })}`,
    )
    expect([ticket.status, await ticket.text()]).toEqual([
      200,
      expect.stringContaining('INVALID_TICKET_SPEC'),
    ])
    // the sign-in form refuses a malformed entry before any work, and says which
    const b = browser()
    const form = await b.follow(`${issuer}/`, issuer)
    const refused = await b.go(new URL(actionOf(form.text), issuer).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: csrfOf(form.text),
        identifier: 'not an address',
        password: huge,
      }).toString(),
    })
    expect([refused.status, refused.text.includes('identifier')]).toEqual([400, true])
  })

  it('answers an unregistered redirect URI with an error page, never a redirect', async () => {
    const config = await client()
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'https://evil.example.test/cb',
      scope: 'openid',
      state: 's',
    })
    const res = await browser().go(url.href)
    expect(res.status).toBe(400)
    expect(res.location).toBeUndefined()
  })

  it("never lets one tenant's client work at another tenant's issuer", async () => {
    const { platformToken } = await platformFixture()
    const other = await openTenant(platformToken)
    const foreign = await oidc.discovery(
      new URL(`${api.baseUrl}/t/${other.tenant.code}`),
      app.clientId,
      app.clientSecret,
      undefined,
      { execute: [oidc.allowInsecureRequests] },
    )
    const url = oidc.buildAuthorizationUrl(foreign, {
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 's',
    })
    const res = await browser().go(url.href)
    expect(res.status).toBe(400)
    expect(res.location).toBeUndefined()
  })
  it("serves a tenant's issuer at the root of its own domain, and only that tenant there", async () => {
    const own = `http://${admin.tenant.code}.${appConfig().PLATFORM_DOMAIN}:${new URL(api.baseUrl).port}`
    const config = await oidc.discovery(new URL(own), app.clientId, app.clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: domainFetch,
    })
    expect(config.serverMetadata().issuer).toBe(own)
    expect(config.serverMetadata().authorization_endpoint).toBe(`${own}/api/v1/oauth2/authorize`)
    const b = browser(domainFetch)
    const { res, verifier, state } = await signIn(b, config, member, own)
    expect(res.at.startsWith(redirectUri)).toBe(true)
    const tokens = await oidc.authorizationCodeGrant(config, new URL(res.at), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    })
    expect(tokens.claims()?.iss).toBe(own)
    // the domain's root leads to the portal, which the same browser session opens without a form
    const portal = await b.follow(`${own}/`, own)
    expect([portal.status, portal.text.includes('Relying party')]).toEqual([200, true])
    // what the path form serves elsewhere is not served on a tenant's own domain
    const foreign = await domainFetch(`${own}/t/${admin.tenant.code}/login`, { redirect: 'manual' })
    expect(foreign.status).toBe(404)
  })

  describe('the workbench dialect (apps written for the cloud workbench, unchanged)', () => {
    const callback = 'https://wb.example.test/sso/callback'
    let wbApp: { appId: string; clientId: string; clientSecret: string }
    beforeAll(async () => {
      const registered = await call(apps, 'POST', '/v1/apps', {
        token: admin.accessToken,
        body: { name: 'Workbench app', protocol: 'oauth2', clientTypes: ['web'], redirectUris: [callback] },
      })
      wbApp = registered.body
      await call(apps, 'POST', `/v1/apps/${wbApp.appId}/grants`, {
        token: admin.accessToken,
        body: { members: [member.memberId] },
      })
    })

    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    })
    const token = async (fields: Record<string, string>) => {
      const res = await fetch(`${issuer}/api/v1/oauth2/token`, form(fields))
      return { status: res.status, body: (await res.json()) as Json }
    }
    /** A tile click in the workbench: the app's callback gets `?code&tenant` it never asked for. */
    const launch = async () => {
      const b = browser()
      const res = await passSignIn(b, await b.follow(`${issuer}/launch/${wbApp.appId}`, issuer))
      return { b, at: new URL(res.at) }
    }

    it('takes an app-initiated authorization with no scope as get_user_info (protocol doc A.2)', async () => {
      const b = browser()
      const url = `${issuer}/api/v1/oauth2/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: wbApp.clientId,
        redirect_uri: callback,
        state: 'abc123',
      })}`
      const res = await passSignIn(b, await b.follow(url, issuer))
      const at = new URL(res.at)
      expect([at.origin + at.pathname, at.searchParams.get('state')]).toEqual([callback, 'abc123'])
      const issued = await token({
        grant_type: 'authorization_code',
        code: at.searchParams.get('code') as string,
        redirect_uri: callback,
        client_id: wbApp.clientId,
        client_secret: wbApp.clientSecret,
      })
      expect([issued.status, issued.body.scope]).toEqual([200, 'get_user_info'])
    })

    it('launches from the tile, exchanges the code with form credentials, answers userinfo, rotates refresh, logs out', async () => {
      const { b, at } = await launch()
      expect(at.href.startsWith(callback)).toBe(true)
      expect(at.searchParams.get('tenant')).toBe(admin.tenant.tenantId)
      const code = at.searchParams.get('code') as string
      const creds = { client_id: wbApp.clientId, client_secret: wbApp.clientSecret }
      const issued = await token({ grant_type: 'authorization_code', code, redirect_uri: callback, ...creds })
      expect(issued.status).toBe(200)
      expect(issued.body).toMatchObject({ token_type: 'Bearer', expires_in: 7200 })
      expect(issued.body.refresh_token).toEqual(expect.any(String))

      const info = await fetch(`${issuer}/api/v1/oauth2/userinfo`, {
        headers: { authorization: `Bearer ${issued.body.access_token}`, accept: 'application/json' },
      })
      const user = (await info.json()) as Json
      expect([info.status, user]).toEqual([200, expect.anything()])
      expect(user).toMatchObject({ id: user.userName, tenant: admin.tenant.tenantId })
      expect(user.userName).toMatch(/^[0-9a-z]{26}$/)
      expect(JSON.stringify(user)).not.toContain(member.email)

      const refreshed = await token({
        grant_type: 'refresh_token',
        refresh_token: issued.body.refresh_token,
        ...creds,
      })
      expect(refreshed.status).toBe(200)
      expect(refreshed.body.refresh_token).not.toBe(issued.body.refresh_token)
      // HTTP Basic (client_secret_basic) works as the form does
      const basic = await fetch(`${issuer}/api/v1/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${wbApp.clientId}:${wbApp.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshed.body.refresh_token,
        }),
      })
      const viaBasic = (await basic.json()) as Json
      expect([basic.status, typeof viaBasic.refresh_token]).toEqual([200, 'string'])
      const wrong = await token({
        grant_type: 'refresh_token',
        refresh_token: viaBasic.refresh_token,
        client_id: wbApp.clientId,
        client_secret: 'sec_wrong',
      })
      expect(wrong.status).toBe(401)
      expect(wrong.body.error).toBe('invalid_client')

      // the code is single-use, and its replay revokes what it gave (RFC 6749 4.1.2)
      const replay = await token({ grant_type: 'authorization_code', code, redirect_uri: callback, ...creds })
      expect(replay.status).toBe(400)
      expect(replay.body.error).toBe('invalid_grant')
      const revoked = await fetch(`${issuer}/api/v1/oauth2/userinfo`, {
        headers: { authorization: `Bearer ${refreshed.body.access_token}` },
      })
      expect(revoked.status).toBe(401)

      // logout sends the browser back only to an address the app registered
      const elsewhere = await b.go(
        `${issuer}/api/v1/logout?redirect_url=${encodeURIComponent('https://evil.example.test/')}`,
      )
      expect(elsewhere.location).toBeUndefined()
      const again = await launch()
      const back = await again.b.go(`${issuer}/api/v1/logout?redirect_url=${encodeURIComponent(callback)}`)
      expect(back.location).toBe(callback)
    })

    it('gives tokens for one code to one of 20 concurrent exchanges', async () => {
      const { at } = await launch()
      const fields = {
        grant_type: 'authorization_code',
        code: at.searchParams.get('code') as string,
        redirect_uri: callback,
        client_id: wbApp.clientId,
        client_secret: wbApp.clientSecret,
      }
      const answers = await Promise.all(Array.from({ length: 20 }, () => token(fields)))
      const statuses = answers.map((a) => a.status).sort()
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      expect(statuses.filter((s) => s !== 200 && s !== 400)).toEqual([])
    })

    it('refuses a lapsed subscription, then a frozen tenant, with a page that says so', async () => {
      await subscribeApp({
        tenantId: admin.tenant.tenantId,
        appCode: 'erp-cloud',
        seats: 5,
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        instanceId: `${admin.tenant.tenantId}.erp-cloud.${Date.now()}`,
        market: 'koogallery',
      })
      const secret = await call(apps, 'POST', '/v1/apps/erp-cloud/secret', { token: admin.accessToken })
      expect(secret.status).toBeLessThan(300)
      await call(apps, 'POST', '/v1/apps/erp-cloud/grants', {
        token: admin.accessToken,
        body: { members: [member.memberId] },
      })
      const visit = async () => {
        const b = browser()
        const res = await passSignIn(b, await b.follow(`${issuer}/launch/erp-cloud`, issuer))
        return res
      }
      expect((await visit()).at.startsWith('https://erp-cloud.example.com/sso/callback')).toBe(true)
      await expireSubscription(admin.tenant.tenantId, 'erp-cloud', true)
      const lapsed = await visit()
      expect([lapsed.status, lapsed.at.startsWith(issuer)]).toEqual([403, true])
      expect(lapsed.text).toContain('subscription to the app has expired')

      const { platformToken } = await platformFixture()
      const frozen = await call(tenants, 'POST', `/v1/tenants/${admin.tenant.tenantId}/freeze`, {
        token: platformToken,
        body: { note: 'overdue' },
      })
      expect(frozen.status).toBeLessThan(300)
      try {
        const refused = await launch()
        expect(refused.at.href.startsWith(callback)).toBe(false)
      } finally {
        await call(tenants, 'POST', `/v1/tenants/${admin.tenant.tenantId}/unfreeze`, {
          token: platformToken,
          body: { note: 'paid' },
        })
      }
    })

    it("gives the member's app list launch URLs that sign in through the issuer", async () => {
      const session = await fetch(`${api.baseUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          identifier: member.email,
          password: member.password,
          tenantCode: admin.tenant.code,
        }),
      })
      const { accessToken } = (await session.json()) as Json
      const mine = (await (
        await fetch(`${api.baseUrl}/v1/me/apps`, { headers: { authorization: `Bearer ${accessToken}` } })
      ).json()) as Json
      const tile = mine.items.find((a: Json) => a.appId === wbApp.appId)
      expect(tile.launchUrl).toBe(`${issuer}/launch/${wbApp.appId}`)
      const b = browser()
      const res = await passSignIn(b, await b.follow(tile.launchUrl, issuer))
      expect(new URL(res.at).searchParams.get('tenant')).toBe(admin.tenant.tenantId)
    })

    it('serves the OneAccess discovery path too', async () => {
      const res = await fetch(`${issuer}/api/v1/oauth2/.well-known/openid-configuration`)
      const doc = (await res.json()) as Json
      expect(doc.issuer).toBe(issuer)
      expect(doc.token_endpoint).toBe(`${issuer}/api/v1/oauth2/token`)
    })

    it('stops userinfo and refresh at once when the member is disabled', async () => {
      const { at } = await launch()
      const creds = { client_id: wbApp.clientId, client_secret: wbApp.clientSecret }
      const issued = await token({
        grant_type: 'authorization_code',
        code: at.searchParams.get('code') as string,
        redirect_uri: callback,
        ...creds,
      })
      expect(issued.status).toBe(200)
      const userinfo = () =>
        fetch(`${issuer}/api/v1/oauth2/userinfo`, {
          headers: { authorization: `Bearer ${issued.body.access_token}` },
        })
      expect((await userinfo()).status).toBe(200)
      const disabled = await call(directory, 'POST', `/v1/members/${member.memberId}/disable`, {
        token: admin.accessToken,
      })
      expect(disabled.status).toBeLessThan(300)
      try {
        const info = await fetch(`${issuer}/api/v1/oauth2/userinfo`, {
          headers: { authorization: `Bearer ${issued.body.access_token}` },
        })
        expect(info.status).toBe(401)
        const refreshed = await token({
          grant_type: 'refresh_token',
          refresh_token: issued.body.refresh_token,
          ...creds,
        })
        expect(refreshed.status).toBe(400)
        expect(refreshed.body.error).toBe('invalid_grant')
      } finally {
        await call(directory, 'POST', `/v1/members/${member.memberId}/enable`, { token: admin.accessToken })
      }
    })
  })
  describe('CAS 3.0', () => {
    const service = 'https://cas-app.example.test/login?next=%2Fhome'
    let casApp: { appId: string }
    beforeAll(async () => {
      const registered = await call(apps, 'POST', '/v1/apps', {
        token: admin.accessToken,
        body: {
          name: 'CAS app',
          protocol: 'cas',
          clientTypes: ['web'],
          casServices: ['https://cas-app.example.test/login?next=%2Fhome'],
        },
      })
      expect(registered.status).toBe(201)
      casApp = registered.body
      await call(apps, 'POST', `/v1/apps/${casApp.appId}/grants`, {
        token: admin.accessToken,
        body: { members: [member.memberId] },
      })
    })

    /** The browser's round trip: CAS login, the hosted sign-in, back to the service with a ticket. */
    const ticketFor = async (b = browser(), prefix = '/cas') => {
      const res = await passSignIn(
        b,
        await b.follow(`${issuer}${prefix}/login?service=${encodeURIComponent(service)}`, issuer),
      )
      expect(res.at.startsWith('https://cas-app.example.test/login')).toBe(true)
      return new URL(res.at).searchParams.get('ticket') as string
    }
    const validate = async (path: string, ticket: string, svc = service, format?: string) => {
      const q = new URLSearchParams({ service: svc, ticket, ...(format ? { format } : {}) })
      const res = await fetch(`${issuer}${path}?${q}`)
      return res.text()
    }

    it('signs in, issues a single-use ticket, validates it with the attributes (XML, JSON, 1.0)', async () => {
      const b = browser()
      const ticket = await ticketFor(b)
      expect(ticket).toMatch(/^ST-[A-Za-z0-9_-]{32,}$/)
      const xml = await validate('/cas/p3/serviceValidate', ticket)
      expect(xml).toContain('<cas:authenticationSuccess>')
      expect(xml).toMatch(/<cas:user>[0-9a-z]{26}<\/cas:user>/)
      expect(xml).toContain(`<cas:tenant>${admin.tenant.tenantId}</cas:tenant>`)
      expect(xml).not.toContain(member.email)
      // validated once: the same ticket again is refused
      expect(await validate('/cas/p3/serviceValidate', ticket)).toContain('code="INVALID_TICKET"')

      // the browser is signed in now: the workbench prefix gets a ticket without a form
      const second = await ticketFor(b, '/api/v1/cas')
      const json = JSON.parse(await validate('/api/v1/cas/p3/serviceValidate', second, service, 'JSON'))
      expect(json.serviceResponse.authenticationSuccess.attributes.tenant).toBe(admin.tenant.tenantId)
      const third = await ticketFor(b)
      expect(await validate('/cas/validate', third)).toMatch(/^yes\n[0-9a-z]{26}\n$/)
      // a ticket presented for another service fails, and is spent
      const fourth = await ticketFor(b)
      expect(await validate('/cas/serviceValidate', fourth, 'https://cas-app.example.test/other')).toContain(
        'code="INVALID_SERVICE"',
      )
      expect(await validate('/cas/serviceValidate', fourth)).toContain('code="INVALID_TICKET"')
    })

    it('checks the member again at validation: a ticket issued before they were disabled fails', async () => {
      const ticket = await ticketFor()
      await call(directory, 'POST', `/v1/members/${member.memberId}/disable`, { token: admin.accessToken })
      try {
        expect(await validate('/cas/p3/serviceValidate', ticket)).toContain('code="INVALID_TICKET"')
      } finally {
        await call(directory, 'POST', `/v1/members/${member.memberId}/enable`, { token: admin.accessToken })
      }
    })

    it('answers bad validation requests with the protocol codes, never a 500', async () => {
      const missing = await fetch(`${issuer}/cas/serviceValidate?service=${encodeURIComponent(service)}`)
      expect([missing.status, await missing.text()]).toEqual([
        200,
        expect.stringContaining('code="INVALID_REQUEST"'),
      ])
      expect(await validate('/cas/p3/serviceValidate', 'PT-not-a-service-ticket')).toContain(
        'code="INVALID_TICKET_SPEC"',
      )
      expect(await validate('/cas/p3/proxyValidate', 'ST-x')).toContain('code="INVALID_REQUEST"')
    })

    it('answers an unregistered service with a page, never a redirect', async () => {
      const res = await browser().go(
        `${issuer}/cas/login?service=${encodeURIComponent('https://evil.example.test/')}`,
      )
      expect([res.status, res.location]).toEqual([400, undefined])
    })
  })
  describe('single logout (apps that registered a logout URL hear of a sign-out)', () => {
    const service = 'https://slo-cas.example.test/app/home'
    const heard: { path: string; form: URLSearchParams }[] = []
    let receiver: Server
    let rp: { appId: string; clientId: string; clientSecret: string }

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        let body = ''
        req.on('data', (c: Buffer) => {
          body += c.toString()
        })
        req.on('end', () => {
          heard.push({ path: req.url ?? '', form: new URLSearchParams(body) })
          res.end()
        })
      })
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
      const at = `http://localhost:${(receiver.address() as AddressInfo).port}`
      const oidcApp = await call(apps, 'POST', '/v1/apps', {
        token: admin.accessToken,
        body: {
          name: 'SLO RP',
          protocol: 'oidc',
          clientTypes: ['web'],
          redirectUris: [redirectUri],
          logoutUrl: `${at}/oidc-logout`,
        },
      })
      const casApp = await call(apps, 'POST', '/v1/apps', {
        token: admin.accessToken,
        body: {
          name: 'SLO CAS',
          protocol: 'cas',
          clientTypes: ['web'],
          casServices: ['https://slo-cas.example.test/app/*'],
          logoutUrl: `${at}/cas-logout`,
        },
      })
      expect([oidcApp.status, casApp.status]).toEqual([201, 201])
      rp = oidcApp.body
      for (const appId of [rp.appId, casApp.body.appId]) {
        await call(apps, 'POST', `/v1/apps/${appId}/grants`, {
          token: admin.accessToken,
          body: { members: [member.memberId] },
        })
      }
    })

    afterAll(async () => {
      await new Promise((r) => receiver?.close(r))
    })

    /** Signs in to both apps in one browser: the OIDC app's ID token, the CAS app's ticket. */
    const signInToBoth = async () => {
      const config = await oidc.discovery(new URL(issuer), rp.clientId, rp.clientSecret, undefined, {
        execute: [oidc.allowInsecureRequests],
      })
      const b = browser()
      const { res, verifier, state } = await signIn(b, config)
      const tokens = await oidc.authorizationCodeGrant(config, new URL(res.at), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      })
      const cas = await b.go(`${issuer}/cas/login?service=${encodeURIComponent(service)}`)
      const ticket = new URL(cas.location as string).searchParams.get('ticket') as string
      expect(ticket).toMatch(/^ST-/)
      heard.length = 0
      return { b, config, tokens, ticket }
    }

    const casNoticeFor = (ticket: string) =>
      heard
        .filter((h) => h.path === '/cas-logout')
        .map((h) => h.form.get('logoutRequest') ?? '')
        .find((xml) => xml.includes(`<samlp:SessionIndex>${ticket}</samlp:SessionIndex>`))

    it('tells both when the member signs out of the workbench, before the logout answers', async () => {
      const { b, tokens, ticket } = await signInToBoth()
      const out = await b.go(`${issuer}/api/v1/logout`)
      expect(out.status).toBe(200)
      const notice = heard.find((h) => h.path === '/oidc-logout')?.form.get('logout_token') as string
      const { payload } = await jwtVerify(
        notice,
        createRemoteJWKSet(new URL(`${issuer}/api/v1/oauth2/jwks`)),
        {
          issuer,
          audience: rp.clientId,
        },
      )
      expect(payload.sub).toBe(tokens.claims()?.sub)
      expect(payload.sid).toBe(tokens.claims()?.sid)
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} })
      expect(payload.nonce).toBeUndefined()
      const xml = casNoticeFor(ticket)
      expect(xml).toMatch(/<saml:NameID>[0-9a-z]{26}<\/saml:NameID>/)
      // the session's CAS sign-ins are told once: a second logout tells nobody
      heard.length = 0
      await b.go(`${issuer}/api/v1/logout`)
      expect(heard).toEqual([])
    })

    it('tells both on an RP-initiated logout too', async () => {
      const { b, config, tokens, ticket } = await signInToBoth()
      const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string })
      const confirm = await b.follow(logout.href, issuer)
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)?.[1] as string
      // a forged confirmation ends nothing and tells nobody
      await b.go(new URL(actionOf(confirm.text), issuer).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf: 'forged', logout: 'yes' }).toString(),
      })
      expect(heard).toEqual([])
      await b.go(new URL(actionOf(confirm.text), issuer).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      })
      expect(heard.filter((h) => h.path === '/oidc-logout')).toHaveLength(1)
      expect(casNoticeFor(ticket)).toBeDefined()
    })
  })
})
