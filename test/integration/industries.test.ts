import { handler as tenants } from '../../functions/tenants/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

describe('industries as data: the system admin adds one and appoints its administrators', () => {
  let platformToken: string
  let officeToken: string

  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
  })

  it('adds an industry whose administrator signs in, brands it and sees its tenants', async () => {
    const added = await call(tenants, 'PUT', '/v1/platform/industries/retail', {
      token: platformToken,
      body: { name: 'Retail', preinstalledApps: ['drive'] },
    })
    expect(added.status).toBe(200)
    expect(added.body).toEqual({ code: 'retail', name: 'Retail', preinstalledApps: ['drive'] })
    const listed = await call(tenants, 'GET', '/v1/industries', {})
    expect(listed.body.items.map((i: { code: string }) => i.code)).toContain('retail')

    // renaming keeps the app lists it is not given
    const renamed = await call(tenants, 'PUT', '/v1/platform/industries/retail', {
      token: platformToken,
      body: { name: 'Retail and wholesale' },
    })
    expect(renamed.body).toMatchObject({ name: 'Retail and wholesale', preinstalledApps: ['drive'] })

    const identifier = `retail-admin-${Date.now()}@industry.test`
    const appointed = await call(tenants, 'POST', '/v1/platform/industries/retail/admins', {
      token: platformToken,
      body: { identifier },
    })
    expect(appointed.status).toBe(201)
    expect(appointed.body).toMatchObject({ identifier, industry: 'retail' })
    const again = await call(tenants, 'POST', '/v1/platform/industries/retail/admins', {
      token: platformToken,
      body: { identifier },
    })
    expect(again.status).toBe(409)

    // the one-time password, then a proven address, then a session of the industry
    const first = await login(identifier, appointed.body.initialPassword)
    expect(
      (await activate(first.accessToken, identifier, appointed.body.initialPassword, 'Retail-admin-1'))
        .status,
    ).toBe(200)
    const session = await login(identifier, 'Retail-admin-1')
    const token = session.accessToken as string
    const branded = await call(tenants, 'PATCH', '/v1/industry/branding', {
      token,
      body: { loginTitle: 'Sign in to your store' },
    })
    expect(branded.status).toBe(200)

    const shop = await openTenant(platformToken, { industry: 'retail', planCode: 'general.professional' })
    const mine = await call(tenants, 'GET', '/v1/industry/tenants', { token })
    expect(mine.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual([shop.tenant.tenantId])
    // another industry's administrator sees none of it
    const office = await call(tenants, 'GET', '/v1/industry/tenants', { token: officeToken })
    expect(office.body.items.map((t: { tenantId: string }) => t.tenantId)).not.toContain(shop.tenant.tenantId)
  })

  it('refuses bad codes and bodies naming the fields, unknown industries, and anyone but the system admin', async () => {
    const bad = await call(tenants, 'PUT', '/v1/platform/industries/Retail!', {
      token: platformToken,
      body: { name: '', preinstalledApps: ['crm-suite'], extra: 1 },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['path.industry', 'body.name', 'body']),
    )
    const sold = await call(tenants, 'PUT', '/v1/platform/industries/hotels', {
      token: platformToken,
      body: { name: 'Hotels', preinstalledApps: ['no-such-app'] },
    })
    expect(sold.status).toBe(400)
    expect(sold.body.error.details[0].path).toBe('body.preinstalledApps')
    const nowhere = await call(tenants, 'POST', '/v1/platform/industries/nowhere/admins', {
      token: platformToken,
      body: { identifier: 'someone@industry.test' },
    })
    expect(nowhere.status).toBe(404)
    const tenant = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      body: {
        customerId: `cust-nowhere-${Date.now()}`,
        name: 'Nowhere Co.',
        industry: 'nowhere',
        planCode: 'general.professional',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        customerLevel: 'V2',
        admin: { identifier: `nowhere-${Date.now()}@tenant.test`, name: 'Admin' },
        verification: { method: 'business-licence', reference: 'LIC-1' },
      },
    })
    expect([tenant.status, tenant.body.error.details[0].path]).toEqual([400, 'body.industry'])
    for (const token of [officeToken, undefined]) {
      const res = await call(tenants, 'PUT', '/v1/platform/industries/office', {
        token,
        body: { name: 'Mine' },
      })
      expect(res.status).toBe(token ? 403 : 401)
    }
  })
})
