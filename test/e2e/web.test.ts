import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { handler as content } from '../../functions/content/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { config as appConfig } from '../../lib/core/config.js'
import { scopeOf } from '../../lib/core/tenancy.js'
import { type DemoApps, seedDemoApps } from '../../scripts/demo-apps.js'
import { type DemoApp, startDemoApp } from '../../scripts/local/demo-app.js'
import { REPO_ROOT } from '../../scripts/local/paths.js'
import { browser } from '../support/browser.js'
import { headlessChromium } from '../support/chromium.js'
import { domainFetch } from '../support/domain-fetch.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { startOffline, type TestApi } from '../support/offline.js'

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
type Json = any

/**
 * The web workbench (docs/web-workbench.md) through serverless-offline: the hand-off from a
 * browser's sign-in to API tokens, what ends them, and the page itself in headless Chromium.
 */
describe('web workbench', () => {
  let api: TestApi
  let demo: DemoApp
  let apps: DemoApps
  let tenantA: Awaited<ReturnType<typeof openTenant>>
  let tenantB: Awaited<ReturnType<typeof openTenant>>
  let issuer: string
  const member = { email: `web-${Date.now()}@corp.test`, password: 'Member-password-1', name: 'Wen Bench' }

  beforeAll(async () => {
    // the stream's consumers deliver announcements
    api = await startOffline({}, { stream: true })
    demo = await startDemoApp(0)
    const { platformToken } = await platformFixture()
    // an edition with announcements of its own
    tenantA = await openTenant(platformToken, {
      planCode: 'industrial.professional-basic',
      industry: 'industrial',
    })
    tenantB = await openTenant(platformToken)
    issuer = `${api.baseUrl}/t/${tenantA.tenant.code}`
    const dept = await call(directory, 'POST', '/v1/departments', {
      token: tenantA.accessToken,
      body: { name: 'Assembly' },
    })
    expect(dept.status).toBe(201)
    const added = await call(directory, 'POST', '/v1/members', {
      token: tenantA.accessToken,
      body: { name: member.name, email: member.email, departmentIds: [dept.body.deptId] },
    })
    expect(added.status).toBe(201)
    const first = await login(member.email, added.body.initialPassword)
    await activate(first.accessToken, member.email, added.body.initialPassword, member.password)
    apps = await seedDemoApps(
      { ...scopeOf(tenantA.tenant.tenantId), code: tenantA.tenant.code },
      added.body.member.memberId,
      demo.origin,
    )
    demo.configure(issuer, apps)
    const publish = async (kind: string, body: Record<string, unknown>) => {
      const made = await call(content, 'POST', `/v1/tenant/${kind}`, { token: tenantA.accessToken, body })
      expect(made.status).toBe(201)
      const id = made.body.newsId ?? made.body.announcementId
      const published = await call(content, 'POST', `/v1/tenant/${kind}/${id}/publish`, {
        token: tenantA.accessToken,
      })
      expect(published.status).toBe(200)
    }
    const category = await call(content, 'POST', '/v1/tenant/news-categories', {
      token: tenantA.accessToken,
      body: { name: 'Company' },
    })
    await publish('news', {
      categoryId: category.body.categoryId,
      title: 'Plant 2 opens',
      summary: 'A new site',
      body: {
        blocks: [
          { type: 'heading', level: 1, content: [{ text: 'Opening day' }] },
          { type: 'paragraph', content: [{ text: 'Doors open at ' }, { text: 'nine', bold: true }] },
          { type: 'paragraph', content: [{ text: '<script>alert(1)</script>' }] },
        ],
      },
    })
    await publish('announcements', {
      title: 'Holiday on Friday',
      body: { blocks: [{ type: 'paragraph', content: [{ text: 'The office is closed.' }] }] },
      strongReminder: true,
    })
    await api.drain()
  }, 240_000)

  afterAll(async () => {
    await demo?.stop()
    await api?.stop()
  })

  /** A browser signed in on the hosted page of `at` (tenant A's issuer unless said otherwise). */
  const signedIn = async (at = issuer) => {
    const b = browser()
    const form = await b.follow(`${at}/`, at)
    expect(form.text).toContain('name="password"')
    const home = await b.signIn(form, { identifier: member.email, password: member.password }, at)
    expect([home.status, home.at]).toEqual([200, `${at}/`])
    return b
  }

  const handoff = (b: ReturnType<typeof browser>, at = issuer, headers: Record<string, string> = {}) =>
    b.go(`${at}/session/handoff`, { method: 'POST', headers: { 'x-atrium-handoff': '1', ...headers } })

  const exchange = async (code: string) => {
    const res = await fetch(`${api.baseUrl}/v1/auth/handoff`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    return { status: res.status, body: (await res.json()) as Json }
  }

  const tokensOf = async (b: ReturnType<typeof browser>, at = issuer) => {
    const handed = await handoff(b, at)
    expect(handed.status).toBe(200)
    const { code } = JSON.parse(handed.text)
    const given = await exchange(code)
    expect(given.status).toBe(200)
    return given.body
  }

  const me = async (accessToken: string) => {
    const res = await fetch(`${api.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    return { status: res.status, body: (await res.json()) as Json }
  }

  const refreshed = async (refreshToken: string) =>
    (
      await fetch(`${api.baseUrl}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      })
    ).status

  describe('the hand-off', () => {
    it("works at the root of the tenant's own domain: page at /login, hand-off, files", async () => {
      const own = `http://${tenantA.tenant.code}.${appConfig().PLATFORM_DOMAIN}:${new URL(api.baseUrl).port}`
      const b = browser(domainFetch)
      const form = await b.follow(`${own}/`, own)
      const page = await b.signIn(form, { identifier: member.email, password: member.password }, own)
      expect([page.status, page.at]).toEqual([200, `${own}/login`])
      expect(page.text).toContain(`data-issuer="${own}"`)
      const handed = await handoff(b, own, { origin: own })
      expect(handed.status).toBe(200)
      expect((await exchange(JSON.parse(handed.text).code)).body.tenant.code).toBe(tenantA.tenant.code)
      expect((await domainFetch(`${own}/assets/workbench.css`)).status).toBe(200)
    })

    it('serves the workbench page with a strict policy, and its files from the web function', async () => {
      const b = await signedIn()
      const page = await b.go(`${issuer}/`)
      const policy = page.headers.get('content-security-policy') ?? ''
      expect(policy).toContain("script-src 'self'")
      expect(policy).not.toContain('unsafe-inline')
      expect(page.text).toContain('<script type="module" src="/assets/workbench.js">')
      // the apps for a browser without script, escaped
      expect(page.text).toContain('Demo workbench app (OAuth2)')
      const script = await fetch(`${api.baseUrl}/assets/workbench.js`)
      expect([script.status, script.headers.get('content-type')]).toEqual([
        200,
        'text/javascript; charset=utf-8',
      ])
      const etag = script.headers.get('etag') as string
      const again = await fetch(`${api.baseUrl}/assets/workbench.js`, { headers: { 'if-none-match': etag } })
      expect(again.status).toBe(304)
      for (const path of ['/assets/nothing.js', '/assets/..%2Fpackage.json', '/assets/../serverless.yml']) {
        expect((await fetch(`${api.baseUrl}${path}`)).status).toBe(404)
      }
    })

    it("exchanges a browser sign-in's code once for the member's tokens in that tenant", async () => {
      const b = await signedIn()
      const handed = await handoff(b)
      expect(handed.headers.get('cache-control')).toBe('no-store')
      const { code, expiresIn } = JSON.parse(handed.text)
      expect(expiresIn).toBe(60)
      const given = await exchange(code)
      expect(given.status).toBe(200)
      expect(given.body.tenant.code).toBe(tenantA.tenant.code)
      const who = await me(given.body.accessToken)
      expect(who.status).toBe(200)
      // single use, whatever happened to the first
      expect((await exchange(code)).body.error.code).toBe('INVALID_CODE')
    })

    it('refuses a malformed code naming the field, and an unknown one', async () => {
      const missing = await exchange(undefined as unknown as string)
      expect(missing.status).toBe(400)
      expect(JSON.stringify(missing.body.error.details)).toContain('body.code')
      const bad = await exchange('<script>')
      expect([bad.status, JSON.stringify(bad.body.error.details)]).toEqual([
        400,
        expect.stringContaining('body.code'),
      ])
      const unknown = await exchange('A'.repeat(43))
      expect([unknown.status, unknown.body.error.code]).toEqual([400, 'INVALID_CODE'])
    })

    it("answers only the workbench's own page of a signed-in browser", async () => {
      const b = await signedIn()
      // no custom header (a form post), another site's origin, a cross-site fetch
      expect((await b.go(`${issuer}/session/handoff`, { method: 'POST' })).status).toBe(403)
      expect((await handoff(b, issuer, { origin: 'https://evil.example' })).status).toBe(403)
      expect((await handoff(b, issuer, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
      expect(
        (await handoff(b, issuer, { origin: api.baseUrl, 'sec-fetch-site': 'same-origin' })).status,
      ).toBe(200)
      // nobody signed in
      expect((await handoff(browser())).status).toBe(401)
    })

    it("never hands off another tenant's member: tenant A's session means nothing at B's issuer", async () => {
      const b = await signedIn()
      const atB = await handoff(b, `${api.baseUrl}/t/${tenantB.tenant.code}`)
      expect(atB.status).toBe(401)
      const tokens = await tokensOf(b)
      expect(tokens.tenant.tenantId).toBe(tenantA.tenant.tenantId)
    })

    it('ends every API session of the browser when it signs out, and no code it handed out starts one', async () => {
      const b = await signedIn()
      const [one, two] = [await tokensOf(b), await tokensOf(b)]
      const pending = JSON.parse((await handoff(b)).text).code
      expect((await me(one.accessToken)).status).toBe(200)
      const out = await b.go(`${issuer}/api/v1/logout`)
      expect(out.status).toBe(200)
      for (const t of [one, two]) {
        const after = await me(t.accessToken)
        expect([after.status, after.body.error.code]).toEqual([401, 'SESSION_ENDED'])
        expect(await refreshed(t.refreshToken)).toBe(401)
      }
      const late = await exchange(pending)
      expect([late.status, late.body.error.code]).toEqual([401, 'SESSION_ENDED'])
      // the sign-out asked for the password again, and a new sign-in hands off anew
      expect((await handoff(b)).status).toBe(401)
      const c = await signedIn()
      expect((await me((await tokensOf(c)).accessToken)).status).toBe(200)
    })

    it('gives tokens for one code to one of 20 concurrent exchanges', async () => {
      const b = await signedIn()
      const { code } = JSON.parse((await handoff(b)).text)
      const answers = await Promise.all(Array.from({ length: 20 }, () => exchange(code)))
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
      expect(answers.filter((a) => a.body.error?.code === 'INVALID_CODE')).toHaveLength(19)
    })

    it('leaves no token alive that 20 exchanges racing a sign-out minted', async () => {
      const b = await signedIn()
      const codes = await Promise.all(
        Array.from({ length: 20 }, async () => JSON.parse((await handoff(b)).text).code as string),
      )
      const [, ...answers] = await Promise.all([b.go(`${issuer}/api/v1/logout`), ...codes.map(exchange)])
      for (const a of answers) {
        if (a.status !== 200) expect(a.body.error.code).toBe('SESSION_ENDED')
        else expect((await me(a.body.accessToken)).status).toBe(401)
      }
    })

    it('ends a refreshed token with the browser sign-in it came from', async () => {
      const b = await signedIn()
      const first = await tokensOf(b)
      const res = await fetch(`${api.baseUrl}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: first.refreshToken }),
      })
      const next = (await res.json()) as Json
      expect((await me(next.accessToken)).status).toBe(200)
      await b.go(`${issuer}/api/v1/logout`)
      expect((await me(next.accessToken)).status).toBe(401)
      expect(await refreshed(next.refreshToken)).toBe(401)
    })

    it('ends them on a CAS logout too', async () => {
      const b = await signedIn()
      const tokens = await tokensOf(b)
      await b.go(`${issuer}/cas/logout`)
      expect((await me(tokens.accessToken)).status).toBe(401)
    })

    it('ends them on an RP-initiated logout that ends the browser session', async () => {
      const b = await signedIn()
      const tokens = await tokensOf(b)
      const confirm = await b.follow(`${issuer}/api/v1/oauth2/logout`, issuer)
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)?.[1] as string
      await b.follow(`${issuer}/api/v1/oauth2/logout/confirm`, issuer, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      })
      const after = await me(tokens.accessToken)
      expect([after.status, after.body.error.code]).toEqual([401, 'SESSION_ENDED'])
    })
  })

  const chromium = headlessChromium()
  ;(chromium ? describe : describe.skip)('in headless Chromium', () => {
    const shots = join(REPO_ROOT, 'test-artifacts', 'screenshots')

    it('signs in, shows home and apps, launches an app by SSO, opens contacts and signs out for good', async () => {
      mkdirSync(shots, { recursive: true })
      const browserInstance = await (chromium as NonNullable<typeof chromium>).launch()
      try {
        const page = await browserInstance.newPage()
        const failures: string[] = []
        page.on('pageerror', (err) => failures.push(err.message))
        page.on('console', (msg) => {
          if (msg.type() === 'error' && !/404|405/.test(msg.text())) failures.push(msg.text())
        })
        const handedOff = page.waitForResponse((r) => r.url().endsWith('/v1/auth/handoff'))

        await page.goto(`${issuer}/`)
        await page.fill('#identifier', member.email)
        await page.fill('#password', member.password)
        await page.screenshot({ path: join(shots, 'sign-in.png') })
        await page.click('button[type=submit]')
        await page.waitForURL(`${issuer}/`)
        const tokens = (await (await handedOff).json()) as Json

        // home: the apps, from GET /v1/me/home
        await page.locator('main h1', { hasText: 'Home' }).waitFor()
        await page.locator('a.app', { hasText: 'Demo workbench app (OAuth2)' }).waitFor()
        await page.screenshot({ path: join(shots, 'home.png'), fullPage: true })

        await page.click('nav a[data-view=apps]')
        await page.locator('main h1', { hasText: 'My apps' }).waitFor()
        expect(await page.locator('a.app').count()).toBe(3)
        await page.screenshot({ path: join(shots, 'apps.png'), fullPage: true })

        // a tile signs the member in to the app by SSO, without a form
        await page.click(`a.app[data-app="${apps.workbench.appId}"]`)
        await page.waitForURL(`${demo.origin}/workbench/callback?**`)
        expect(await page.locator('h1').textContent()).toBe('Signed in as a workbench app')
        await page.screenshot({ path: join(shots, 'launched-app.png'), fullPage: true })

        await page.goto(`${issuer}/#/contacts`)
        await page.locator('main h1', { hasText: 'Contacts' }).waitFor()
        await page.locator('.contact strong', { hasText: 'Tenant Admin' }).waitFor()
        // a department's people: the administrator is in none
        await page.locator('.tree button', { hasText: 'Assembly' }).click()
        await page.locator('.contact strong', { hasText: 'Tenant Admin' }).waitFor({ state: 'detached' })
        await page.locator('.contact strong', { hasText: member.name }).waitFor()
        await page.screenshot({ path: join(shots, 'contacts.png'), fullPage: true })

        // home gathers the news and the unread announcement; an article's text stays text
        await page.goto(`${issuer}/#/home`)
        await page.locator('main section h2', { hasText: 'Announcements (1 unread)' }).waitFor()
        await page.click('main a:has-text("Plant 2 opens")')
        await page.locator('article h2', { hasText: 'Opening day' }).waitFor()
        expect(await page.locator('article strong').textContent()).toBe('nine')
        await page.locator('article p', { hasText: '<script>alert(1)</script>' }).waitFor()
        expect(await page.locator('article script').count()).toBe(0)
        await page.screenshot({ path: join(shots, 'news.png'), fullPage: true })

        await page.click('nav a[data-view=announcements]')
        await page.click('main a:has-text("Holiday on Friday")')
        await page.click('button.mark-read')
        await page.locator('button.mark-read', { hasText: 'Read' }).waitFor()
        await page.screenshot({ path: join(shots, 'announcement.png'), fullPage: true })
        await page.goto(`${issuer}/#/home`)
        await page.locator('main section h2', { hasText: /^Announcements$/ }).waitFor()

        await page.click('a.sign-out')
        await page.locator('h1', { hasText: 'Signed out' }).waitFor()
        await page.screenshot({ path: join(shots, 'signed-out.png') })
        const after = await me(tokens.accessToken)
        expect([after.status, after.body.error.code]).toEqual([401, 'SESSION_ENDED'])
        expect(await refreshed(tokens.refreshToken)).toBe(401)

        // the workbench's address now asks for the password again
        await page.goto(`${issuer}/`)
        await page.locator('#password').waitFor()
        expect(failures).toEqual([])
      } finally {
        await browserInstance.close()
      }
    }, 120_000)
  })
})
