import { handler as directory } from '../../functions/directory/handler.js'
import { activate, addPlainMember, login, openTenant, platformFixture, SEED } from '../support/fixtures.js'
import { api } from '../support/http.js'
import { call } from '../support/lambda.js'
import { startOffline, type TestApi } from '../support/offline.js'

type Tenant = Awaited<ReturnType<typeof openTenant>>

/** A browser: a cookie jar and redirects followed by hand until a page answers. */
const browser = () => {
  const jar = new Map<string, string>()
  const go = async (url: string) => {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    for (const c of res.headers.getSetCookie()) {
      const [k, v] = (c.split(';')[0] as string).split('=') as [string, string]
      if (v === '') jar.delete(k)
      else jar.set(k, v)
    }
    return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text() }
  }
  const follow = async (url: string) => {
    let at = url
    let res = await go(at)
    while (res.location) {
      at = new URL(res.location, at).href
      res = await go(at)
    }
    return { ...res, at }
  }
  return { follow }
}

describe('login page branding over HTTP', () => {
  let stack: TestApi
  let http: ReturnType<typeof api>
  let platformToken: string
  let officeToken: string
  let industrialToken: string
  let a: Tenant
  let b: Tenant
  let plant: Tenant

  beforeAll(async () => {
    stack = await startOffline()
    http = api(stack.baseUrl)
    ;({ platformToken, officeToken } = await platformFixture())
    industrialToken = (await login('industrial-admin@atrium.localhost', SEED.demoPassword)).accessToken
    a = await openTenant(platformToken)
    b = await openTenant(platformToken)
    plant = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.basic' })
  }, 240_000)

  afterAll(async () => {
    await stack?.stop()
  })

  /** A member of `t` whose roles carry these permissions, signed in. */
  const businessAdmin = async (t: Tenant, permissions: string[]) => {
    const email = `brand-${permissions.join('-')}-${Date.now()}@corp.test`
    const added = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Brand Admin', email },
    })
    const role = await call(directory, 'POST', '/v1/roles', {
      token: t.accessToken,
      body: { name: `brand ${permissions.join(' ')}`, permissions },
    })
    await call(directory, 'PUT', `/v1/members/${added.body.member.memberId}/roles`, {
      token: t.accessToken,
      body: { roleIds: [role.body.roleId] },
    })
    const first = await login(email, added.body.initialPassword)
    const changed = await activate(first.accessToken, email, added.body.initialPassword, 'Brand-admin-pass-1')
    return changed.body.accessToken as string
  }

  it('answers bad input with 400 naming each failing field', async () => {
    const res = await http.put('/v1/tenant/branding', {
      token: a.accessToken,
      body: {
        siteLogo: 'ftp://files.example.com/logo.png',
        platformLogo: 'http://cdn.example.com/p.png',
        background: 'not a url',
        siteName: '',
        loginTitle: 'x'.repeat(101),
        logo: 'https://cdn.example.com/typo.png',
      },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    const paths = res.body.error.details.map((d: { path: string }) => d.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.siteLogo',
        'body.platformLogo',
        'body.background',
        'body.siteName',
        'body.loginTitle',
      ]),
    )
    expect(JSON.stringify(res.body.error.details)).toContain('logo')
    const notAnObject = await http.patch('/v1/industry/branding', { token: officeToken, body: ['x'] })
    expect(notAnObject.status).toBe(400)
    const wrongType = await http.patch('/v1/platform/branding', {
      token: platformToken,
      body: { siteName: 42 },
    })
    expect([wrongType.status, wrongType.body.error.details[0].path]).toEqual([400, 'body.siteName'])
  })

  it('answers 401 without a token and 403 outside the caller’s level or permission', async () => {
    expect((await http.get('/v1/tenant/branding')).status).toBe(401)
    const refused: [string, 'get' | 'put', string, string][] = [
      ['tenant admin, platform', 'put', '/v1/platform/branding', a.accessToken],
      ['tenant admin, industry', 'get', '/v1/industry/branding', a.accessToken],
      ['industry admin, platform', 'put', '/v1/platform/branding', officeToken],
      ['industry admin, tenant', 'get', '/v1/tenant/branding', officeToken],
      ['system admin, industry', 'put', '/v1/industry/branding', platformToken],
      ['system admin, tenant', 'put', '/v1/tenant/branding', platformToken],
    ]
    for (const [who, method, path, token] of refused) {
      const res = await http[method](path, { token, body: method === 'put' ? { siteName: 'X' } : undefined })
      expect([who, res.status]).toEqual([who, 403])
    }
    const member = await addPlainMember(a.tenant)
    const memberToken = (await login(member.identifier, member.password)).accessToken
    expect((await http.get('/v1/tenant/branding', { token: memberToken })).status).toBe(403)
    const settingsOnly = await businessAdmin(a, ['tenant.settings'])
    const denied = await http.put('/v1/tenant/branding', { token: settingsOnly, body: { siteName: 'X' } })
    expect([denied.status, denied.body.error.message]).toEqual([403, 'missing permission portal.write'])
    const designer = await businessAdmin(a, ['portal.write'])
    const allowed = await http.patch('/v1/tenant/branding', {
      token: designer,
      body: { siteName: 'A portal' },
    })
    expect([allowed.status, allowed.body.overrides]).toEqual([200, { siteName: 'A portal' }])
  })

  it('keeps each tenant to its own branding: the tenant comes from the token, never from the request', async () => {
    const mine = await http.get(`/v1/tenant/branding?tenantId=${b.tenant.tenantId}`, { token: a.accessToken })
    expect(mine.body.overrides).toEqual({ siteName: 'A portal' })
    const naming = await http.patch('/v1/tenant/branding', {
      token: a.accessToken,
      body: { tenantId: b.tenant.tenantId, siteName: 'Hijack' },
    })
    expect(naming.status).toBe(400)
    const theirs = await http.get('/v1/tenant/branding', { token: b.accessToken })
    expect(theirs.body.overrides).toEqual({})
    expect(theirs.body.effective.siteName).toBe(b.tenant.name)
  })

  it("lets an industry administrator brand their own industry's tenants, and no other", async () => {
    const office = await http.patch('/v1/industry/branding', {
      token: officeToken,
      body: { loginTitle: 'Office sign-in', siteLogo: 'https://cdn.example.com/office.png' },
    })
    expect(office.status).toBe(200)
    expect(office.body.overrides).toEqual({
      loginTitle: 'Office sign-in',
      siteLogo: 'https://cdn.example.com/office.png',
    })
    for (const t of [a, b]) {
      const view = await http.get('/v1/tenant/branding', { token: t.accessToken })
      expect(view.body.effective.loginTitle).toBe('Office sign-in')
      expect(view.body.sources.loginTitle).toBe('industry')
    }
    const other = await http.get('/v1/tenant/branding', { token: plant.accessToken })
    expect(other.body.effective.loginTitle).toBe('Sign in to your industrial workbench')
    expect(other.body.effective.siteLogo).toBeUndefined()
    const industrial = await http.get('/v1/industry/branding', { token: industrialToken })
    expect(industrial.body.overrides).toEqual({ loginTitle: 'Sign in to your industrial workbench' })
  })

  it('clears a field with null, so it is inherited again', async () => {
    const set = await http.patch('/v1/tenant/branding', {
      token: a.accessToken,
      body: { loginTitle: 'A title', footerImage: 'https://cdn.example.com/a-footer.png' },
    })
    expect(set.body.effective.loginTitle).toBe('A title')
    const cleared = await http.patch('/v1/tenant/branding', {
      token: a.accessToken,
      body: { loginTitle: null },
    })
    expect(cleared.status).toBe(200)
    expect(cleared.body.overrides).toEqual({
      siteName: 'A portal',
      footerImage: 'https://cdn.example.com/a-footer.png',
    })
    expect([cleared.body.effective.loginTitle, cleared.body.sources.loginTitle]).toEqual([
      'Office sign-in',
      'industry',
    ])
    const platform = await http.put('/v1/platform/branding', {
      token: platformToken,
      body: {
        platformName: 'Acme Cloud',
        platformLogo: 'https://cdn.example.com/platform.svg',
        loginTitle: null,
      },
    })
    expect(platform.body.overrides).toEqual({
      platformName: 'Acme Cloud',
      platformLogo: 'https://cdn.example.com/platform.svg',
    })
  })

  it('shows the effective branding on the hosted sign-in page, escaped, with no script and no CSS url()', async () => {
    const hostile = '<script>alert("x")</script>'
    const bg = 'https://cdn.example.com/bg.jpg?a=1&b="x"'
    const set = await http.patch('/v1/tenant/branding', {
      token: b.accessToken,
      body: { siteName: hostile, background: bg },
    })
    expect(set.status).toBe(200)

    // A: its own site name and footer image, the office's title and logo, the platform's name and logo
    const issuerA = `${stack.baseUrl}/t/${a.tenant.code}`
    const pageA = await browser().follow(`${issuerA}/login`)
    expect(pageA.status).toBe(200)
    expect(pageA.at).toContain('/interaction/')
    expect(pageA.text).toContain('name="password"')
    expect(pageA.text).toContain('<title>Office sign-in · A portal</title>')
    expect(pageA.text).toContain('<span class="site-name">A portal</span>')
    expect(pageA.text).toContain('<h1>Office sign-in</h1>')
    expect(pageA.text).toContain('<img class="site-logo" src="https://cdn.example.com/office.png" alt="">')
    expect(pageA.text).toContain(
      '<img class="footer-image" src="https://cdn.example.com/a-footer.png" alt="">',
    )
    expect(pageA.text).toContain(
      '<img class="platform-logo" src="https://cdn.example.com/platform.svg" alt="">',
    )
    expect(pageA.text).toContain('<span class="platform-name">Acme Cloud</span>')
    expect(pageA.text).not.toContain('class="background"')
    // the page where a session ends is branded too
    const out = await browser().follow(`${issuerA}/api/v1/logout`)
    expect(out.text).toContain('<span class="site-name">A portal</span>')

    // B: a hostile name is text, the image address stays inside its attribute
    const pageB = await browser().follow(`${stack.baseUrl}/t/${b.tenant.code}/login`)
    expect(pageB.status).toBe(200)
    expect(pageB.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(pageB.text).not.toContain('<script')
    expect(pageB.text).toContain(
      '<img class="background" src="https://cdn.example.com/bg.jpg?a=1&amp;b=&quot;x&quot;" alt="">',
    )
    expect(pageB.text).toContain('<h1>Office sign-in</h1>')
    expect(pageB.text).not.toMatch(/url\(/i)

    // another industry: its own title, the tenant's name as the site name
    const pagePlant = await browser().follow(`${stack.baseUrl}/t/${plant.tenant.code}/login`)
    expect(pagePlant.text).toContain('<h1>Sign in to your industrial workbench</h1>')
    expect(pagePlant.text).toContain(`<span class="site-name">${plant.tenant.name}</span>`)
    expect(pagePlant.text).not.toContain('office.png')
  })
})
