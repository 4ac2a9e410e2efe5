import { PutItemCommand } from 'dynamodb-toolbox'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { BRANDING_DEFAULTS, effectiveBranding, mergeBranding } from '../../lib/branding/branding.js'
import { BrandingEntity } from '../../lib/branding/entities.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { dynamoRequestCount, dynamoRequestsByCommand } from '../../lib/core/db/client.js'
import { trustedTenantId } from '../../lib/core/tenancy.js'
import { brandedPlace, forgetPageBranding } from '../../lib/sso/page-branding.js'
import { useTestTable } from '../support/dynamo.js'
import { login, openTenant, platformFixture, SEED } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

type Tenant = Awaited<ReturnType<typeof openTenant>>

const batchGets = () => dynamoRequestsByCommand().BatchGetItemCommand ?? 0

describe('login page branding: platform, industry, tenant', () => {
  let platformToken: string
  let officeToken: string
  let industrialToken: string
  let a: Tenant
  let b: Tenant
  let plant: Tenant

  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
    industrialToken = (await login('industrial-admin@atrium.localhost', SEED.demoPassword)).accessToken
    a = await openTenant(platformToken)
    b = await openTenant(platformToken)
    plant = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.basic' })
  })
  afterEach(() => resetClock())

  it('merges field by field: tenant over industry over platform over the defaults, saying where each comes from', () => {
    const merged = mergeBranding(
      {
        tenant: { siteName: 'Tenant site' },
        industry: {
          siteName: 'Industry site',
          loginTitle: 'Industry title',
          siteLogo: 'https://i.test/l.png',
        },
        platform: { loginTitle: 'Platform title', platformName: 'Cloud', background: 'https://p.test/b.jpg' },
      },
      { ...BRANDING_DEFAULTS, siteName: 'Acme' },
    )
    expect(merged).toEqual({
      effective: {
        siteName: 'Tenant site',
        loginTitle: 'Industry title',
        siteLogo: 'https://i.test/l.png',
        platformName: 'Cloud',
        background: 'https://p.test/b.jpg',
      },
      sources: {
        siteName: 'tenant',
        loginTitle: 'industry',
        siteLogo: 'industry',
        platformName: 'platform',
        background: 'platform',
      },
    })
    expect(mergeBranding({}, { ...BRANDING_DEFAULTS, siteName: 'Acme' })).toEqual({
      effective: { siteName: 'Acme', platformName: 'Atrium', loginTitle: 'Sign in' },
      sources: { siteName: 'default', platformName: 'default', loginTitle: 'default' },
    })
  })

  it('starts from the defaults: the tenant name, Atrium, "Sign in", no images', async () => {
    const res = await call(tenants, 'GET', '/v1/tenant/branding', { token: a.accessToken })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      level: 'tenant',
      overrides: {},
      effective: { siteName: a.tenant.name, platformName: 'Atrium', loginTitle: 'Sign in' },
      sources: { siteName: 'default', platformName: 'default', loginTitle: 'default' },
    })
    const platform = await call(tenants, 'GET', '/v1/platform/branding', { token: platformToken })
    expect(platform.body).toEqual({
      level: 'platform',
      overrides: {},
      effective: { platformName: 'Atrium', loginTitle: 'Sign in' },
      sources: { platformName: 'default', loginTitle: 'default' },
    })
  })

  it('layers the three levels, each administrator writing only their own, and shows each what it inherits', async () => {
    const platform = await call(tenants, 'PUT', '/v1/platform/branding', {
      token: platformToken,
      body: {
        platformName: 'Acme Cloud',
        platformLogo: 'https://cdn.example.com/platform.svg',
        loginTitle: 'Welcome',
        footerImage: 'https://cdn.example.com/footer.png',
      },
    })
    expect(platform.status).toBe(200)
    expect(platform.body.overrides).toEqual({
      platformName: 'Acme Cloud',
      platformLogo: 'https://cdn.example.com/platform.svg',
      loginTitle: 'Welcome',
      footerImage: 'https://cdn.example.com/footer.png',
    })
    const office = await call(tenants, 'PATCH', '/v1/industry/branding', {
      token: officeToken,
      body: { loginTitle: '  Office sign-in  ', siteLogo: 'https://cdn.example.com/office.png' },
    })
    expect(office.status).toBe(200)
    expect(office.body).toMatchObject({
      level: 'industry',
      overrides: { loginTitle: 'Office sign-in', siteLogo: 'https://cdn.example.com/office.png' },
      effective: { loginTitle: 'Office sign-in', platformName: 'Acme Cloud' },
      sources: { loginTitle: 'industry', platformName: 'platform', footerImage: 'platform' },
    })
    const own = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { siteName: 'A portal', background: 'https://cdn.example.com/a-bg.jpg' },
    })
    expect(own.status).toBe(200)
    expect(own.body).toEqual({
      level: 'tenant',
      overrides: { siteName: 'A portal', background: 'https://cdn.example.com/a-bg.jpg' },
      effective: {
        siteName: 'A portal',
        background: 'https://cdn.example.com/a-bg.jpg',
        siteLogo: 'https://cdn.example.com/office.png',
        loginTitle: 'Office sign-in',
        platformName: 'Acme Cloud',
        platformLogo: 'https://cdn.example.com/platform.svg',
        footerImage: 'https://cdn.example.com/footer.png',
      },
      sources: {
        siteName: 'tenant',
        background: 'tenant',
        siteLogo: 'industry',
        loginTitle: 'industry',
        platformName: 'platform',
        platformLogo: 'platform',
        footerImage: 'platform',
      },
    })
    // B, same industry, sets nothing: its own name, the office's title
    const other = await call(tenants, 'GET', '/v1/tenant/branding', { token: b.accessToken })
    expect(other.body.overrides).toEqual({})
    expect(other.body.effective).toMatchObject({ siteName: b.tenant.name, loginTitle: 'Office sign-in' })
    // another industry's tenant inherits that industry's (the seed's title), never the office's
    const plantView = await call(tenants, 'GET', '/v1/tenant/branding', { token: plant.accessToken })
    expect(plantView.body.effective).toMatchObject({
      siteName: plant.tenant.name,
      loginTitle: 'Sign in to your industrial workbench',
      platformName: 'Acme Cloud',
    })
    expect(plantView.body.effective.siteLogo).toBeUndefined()
    const industrial = await call(tenants, 'GET', '/v1/industry/branding', { token: industrialToken })
    expect(industrial.body.overrides).toEqual({ loginTitle: 'Sign in to your industrial workbench' })
  })

  it('clears a field with null (inherited again), replaces the whole level with PUT, and audits tenant writes', async () => {
    const cleared = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { siteName: null, loginTitle: 'A title' },
    })
    expect(cleared.body.overrides).toEqual({
      background: 'https://cdn.example.com/a-bg.jpg',
      loginTitle: 'A title',
    })
    expect(cleared.body.effective.siteName).toBe(a.tenant.name)
    expect(cleared.body.sources.siteName).toBe('default')
    const replaced = await call(tenants, 'PUT', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { siteName: 'Only this', background: null },
    })
    expect(replaced.body.overrides).toEqual({ siteName: 'Only this' })
    expect(replaced.body.effective.loginTitle).toBe('Office sign-in')
    const audit = await call(directory, 'GET', '/v1/tenant/audit', { token: a.accessToken })
    const entries = audit.body.items.filter((e: { action: string }) => e.action === 'branding.updated')
    expect(entries.map((e: { detail: string }) => e.detail)).toEqual([
      'replaced set=siteName',
      'set=loginTitle cleared=siteName',
      'set=siteName,background',
    ])
    expect(entries[0].actorId).toBeTruthy()
    // B's log holds none of A's changes
    const theirs = await call(directory, 'GET', '/v1/tenant/audit', { token: b.accessToken })
    expect(theirs.body.items.some((e: { action: string }) => e.action === 'branding.updated')).toBe(false)
  })

  it('refuses bad input with 400 naming every failing field, and changes nothing', async () => {
    const res = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: {
        siteLogo: 'http://images.example.com/logo.png',
        background: 'javascript:alert(1)',
        footerImage: `https://cdn.example.com/${'x'.repeat(2000)}`,
        siteName: '   ',
        loginTitle: 'x'.repeat(101),
        platformName: 'two\nlines',
        tenantId: b.tenant.tenantId,
      },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    const paths = res.body.error.details.map((d: { path: string }) => d.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.siteLogo',
        'body.background',
        'body.footerImage',
        'body.siteName',
        'body.loginTitle',
        'body.platformName',
      ]),
    )
    expect(JSON.stringify(res.body.error.details)).toContain('tenantId')
    const after = await call(tenants, 'GET', '/v1/tenant/branding', { token: a.accessToken })
    expect(after.body.overrides).toEqual({ siteName: 'Only this' })
    // http is fine for localhost, where the local stack serves
    const local = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: b.accessToken,
      body: { siteLogo: 'http://localhost:4569/branding/logo.png' },
    })
    expect(local.status).toBe(200)
  })

  it('never shows a stored value that fails the rules, whoever wrote it', async () => {
    await BrandingEntity.build(PutItemCommand)
      .item({
        owner: `T#${plant.tenant.tenantId}`,
        siteLogo: 'javascript:alert(1)',
        siteName: 'Kept',
        background: 'data:image/png;base64,AAAA',
        updatedAt: new Date().toISOString(),
        updatedBy: 'test',
      })
      .send()
    const view = await call(tenants, 'GET', '/v1/tenant/branding', { token: plant.accessToken })
    expect(view.body.overrides).toEqual({ siteName: 'Kept' })
    expect(view.body.effective.background).toBeUndefined()
  })

  it('reads what a sign-in page shows in one BatchGetItem, kept a minute per container', async () => {
    const tenant = {
      tenantId: trustedTenantId(a.tenant.tenantId),
      industry: 'office',
      tenantName: a.tenant.name,
      issuer: `http://localhost/t/${a.tenant.code}`,
    }
    forgetPageBranding()
    let before = dynamoRequestCount()
    const gets = batchGets()
    const first = await brandedPlace(tenant)
    expect([dynamoRequestCount() - before, batchGets() - gets]).toEqual([1, 1])
    expect(first.branding).toEqual(await effectiveBranding(tenant))
    expect(first.branding).toMatchObject({ siteName: 'Only this', loginTitle: 'Office sign-in' })
    before = dynamoRequestCount()
    await brandedPlace(tenant)
    expect(dynamoRequestCount() - before).toBe(0)
    // a change shows within the minute
    await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { siteName: 'Renamed' },
    })
    expect((await brandedPlace(tenant)).branding.siteName).toBe('Only this')
    advanceClock(61_000)
    expect((await brandedPlace(tenant)).branding.siteName).toBe('Renamed')
  })

  it('keeps every administrator to their own level', async () => {
    const cases: [string, string, string][] = [
      ['tenant admin → platform', 'PUT /v1/platform/branding', a.accessToken],
      ['tenant admin → industry', 'PATCH /v1/industry/branding', a.accessToken],
      ['industry admin → platform', 'PUT /v1/platform/branding', officeToken],
      ['industry admin → tenant', 'PUT /v1/tenant/branding', officeToken],
      ['system admin → industry', 'GET /v1/industry/branding', platformToken],
      ['system admin → tenant', 'GET /v1/tenant/branding', platformToken],
    ]
    for (const [name, op, token] of cases) {
      const [method, path] = op.split(' ') as [string, string]
      const res = await call(tenants, method, path, { token, body: method === 'GET' ? undefined : {} })
      expect([name, res.status]).toEqual([name, 403])
    }
  })
})
