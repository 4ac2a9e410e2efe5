import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { config } from '../../lib/core/config.js'
import { getSku } from '../../lib/platform/catalog.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture, SEED } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

const body = (customerId: string, extra: Record<string, unknown> = {}) => ({
  customerId,
  name: 'Acme',
  industry: 'office',
  planCode: 'general.basic',
  admin: { identifier: `${customerId}-${Math.random().toString(36).slice(2)}@acme.test`, name: 'Boss' },
  verification: { method: 'business-licence', reference: 'LIC-0001' },
  ...extra,
})

describe('tenants and their lifecycle', () => {
  let platformToken: string
  let officeToken: string
  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
  })
  afterEach(() => resetClock())

  it('lists the seven editions with their limits, publicly', async () => {
    const res = await call(tenants, 'GET', '/v1/plans')
    expect(res.status).toBe(200)
    expect(res.body.items).toHaveLength(7)
    const enhanced = res.body.items.find(
      (p: { code: string }) => p.code === 'industrial.professional-enhanced',
    )
    expect(enhanced.limits).toEqual({
      maxMembers: 1000,
      customPortal: true,
      driveBytes: 1024 ** 4,
      integrationFlows: 200,
      diagnosisTool: true,
    })
  })

  it('opens a tenant with its domain, URLs, apps and one-time admin password', async () => {
    const res = await call(tenants, 'POST', '/v1/tenants', { token: platformToken, body: body('open-1') })
    expect(res.status).toBe(201)
    const { tenant, admin } = res.body
    expect(tenant.domain).toBe(`${tenant.code}.${config().PLATFORM_DOMAIN}`)
    // where the local stack serves the tenant's sign-in (its domain once routed: TENANT_DOMAINS)
    expect(tenant.urls.userLogin).toBe(`${config().PUBLIC_API_URL}/t/${tenant.code}/`)
    expect(tenant).toMatchObject({
      status: 'active',
      trial: true,
      usage: { members: 1 },
      limits: { maxMembers: 50 },
    })
    expect(Date.parse(tenant.expiresAt) - Date.parse(tenant.createdAt)).toBeGreaterThan(180 * 86_400_000)
    expect(admin).toMatchObject({ existingAccount: false, initialPassword: expect.any(String) })
    const again = await call(tenants, 'GET', `/v1/tenants/${tenant.tenantId}`, { token: platformToken })
    expect(again.body).not.toHaveProperty('initialPassword')
  })

  it('opens only a verified enterprise, and records who verified it and how', async () => {
    const { verification: _, ...unverified } = body('unverified-1')
    const refused = await Promise.all(
      [unverified, body('unverified-1', { verification: { method: 'hearsay', reference: '' } })].map((b) =>
        call(tenants, 'POST', '/v1/tenants', { token: platformToken, body: b }),
      ),
    )
    expect(refused.map((r) => [r.status, r.body.error.details.map((d: { path: string }) => d.path)])).toEqual(
      [
        [400, ['body.verification']],
        [400, ['body.verification.method', 'body.verification.reference']],
      ],
    )
    const opened = await openTenant(platformToken)
    const root = await login(SEED.adminIdentifier, SEED.adminPassword)
    const rootId = JSON.parse(Buffer.from(root.accessToken.split('.')[1], 'base64url').toString()).sub
    const mine = await call(tenants, 'GET', '/v1/tenant', { token: opened.accessToken })
    expect(mine.body.verification).toEqual({
      verified: true,
      method: 'business-licence',
      reference: 'LIC-0001',
      by: `account:${rootId}`,
      at: opened.tenant.createdAt,
    })
  })

  it('keeps editions as data: created, changed and retired by the system admin, never breaking a workbench', async () => {
    const team = {
      product: 'general',
      edition: 'team',
      name: 'General workbench — team',
      skuCode: 'atrium-general-team',
      priceModel: 'yearly',
      trialMonths: 0,
      repeatable: true,
      limits: { maxMembers: 20, customPortal: false, integrationFlows: 0, diagnosisTool: false },
      baseApps: ['im', 'contacts'],
    }
    const put = (code: string, body: unknown, token = platformToken) =>
      call(tenants, 'PUT', `/v1/platform/plans/${code}`, { token, body })
    expect((await put('general.team', team, officeToken)).status).toBe(403)
    const bad = await put('general.team', {
      ...team,
      limits: { ...team.limits, maxMembers: 0 },
      priceModel: 'monthly',
    })
    expect([bad.status, bad.body.error.details.map((d: { path: string }) => d.path).sort()]).toEqual([
      400,
      ['body.limits.maxMembers', 'body.priceModel'],
    ])
    const oversized = await put('general.team', {
      ...team,
      name: 'x'.repeat(10_000),
      baseApps: ['no-such-app'],
    })
    expect([oversized.status, oversized.body.error.details.map((d: { path: string }) => d.path)]).toEqual([
      400,
      ['body.name'],
    ])
    const unknownApp = await put('general.team', { ...team, baseApps: ['im', 'no-such-app'] })
    expect([unknownApp.status, unknownApp.body.error.details]).toEqual([
      400,
      [{ path: 'body.baseApps', message: 'not a built-in app' }],
    ])
    const taken = await put('general.copy', { ...team, skuCode: 'atrium-general-professional' })
    expect([taken.status, taken.body.error.details]).toEqual([
      409,
      [{ path: 'body.skuCode', message: 'taken' }],
    ])
    expect((await put('general.team', team)).status).toBe(200)
    expect(await getSku('atrium-general-team')).toMatchObject({
      target: { type: 'edition', planCode: 'general.team' },
    })
    const open = (customerId: string) =>
      call(tenants, 'POST', '/v1/tenants', {
        token: platformToken,
        body: body(customerId, { planCode: 'general.team', expiresAt: '2099-01-01T00:00:00Z' }),
      })
    const first = await open('team-1')
    expect(first.body.tenant.limits.maxMembers).toBe(20)

    // a smaller limit: the workbench opened on it keeps what it has; the next one gets the new one
    expect((await put('general.team', { ...team, limits: { ...team.limits, maxMembers: 10 } })).status).toBe(
      200,
    )
    const again = await call(tenants, 'GET', `/v1/tenants/${first.body.tenant.tenantId}`, {
      token: platformToken,
    })
    expect(again.body.limits.maxMembers).toBe(20)
    expect((await open('team-2')).body.tenant.limits.maxMembers).toBe(10)
    // what tenants and orders rely on stays
    const fixed = await put('general.team', { ...team, priceModel: 'free-trial', repeatable: false })
    expect([fixed.status, fixed.body.error.details.map((d: { path: string }) => d.path)]).toEqual([
      409,
      ['body.priceModel', 'body.repeatable'],
    ])

    // retired: no longer on offer, no workbench opens on it; one on it renews
    expect((await put('general.team', { ...team, retired: true })).status).toBe(200)
    const offered = (await call(tenants, 'GET', '/v1/plans')).body.items.map((p: { code: string }) => p.code)
    const all = (await call(tenants, 'GET', '/v1/platform/plans', { token: platformToken })).body.items
    expect([
      offered.includes('general.team'),
      all.some((p: { code: string }) => p.code === 'general.team'),
    ]).toEqual([false, true])
    const refused = await open('team-3')
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([
      409,
      'PLAN_RETIRED',
      [{ path: 'body.planCode', message: 'no longer sold' }],
    ])
    const renewed = await call(tenants, 'POST', `/v1/tenants/${first.body.tenant.tenantId}/renew`, {
      token: platformToken,
      body: { expiresAt: '2100-01-01T00:00:00Z' },
    })
    expect(renewed.status).toBe(200)
  })

  it("lets the tenant admin edit the enterprise's name and contact person, kept encrypted", async () => {
    const t = await openTenant(platformToken)
    const patch = (body: unknown, token = t.accessToken) =>
      call(tenants, 'PATCH', '/v1/tenant', { token, body })
    const empty = await patch({})
    expect(empty.status).toBe(400)
    const bad = await patch({ name: '', contact: { name: '', email: 'not an address' } })
    expect([bad.status, bad.body.error.details.map((d: { path: string }) => d.path).sort()]).toEqual([
      400,
      ['body.contact.email', 'body.contact.name', 'body.name'],
    ])
    const contact = { name: 'Pat Contact', phone: '+86 10 1234 5678', email: 'pat@acme.test' }
    const set = await patch({ name: 'Acme Renamed', contact })
    expect(set.status).toBe(200)
    expect(set.body.name).toBe('Acme Renamed')
    expect(JSON.stringify(set.body)).not.toContain('pat@acme.test')
    expect((await call(tenants, 'GET', '/v1/tenant/contact', { token: t.accessToken })).body).toEqual({
      contact,
    })
    // at rest, under the tenant's key
    const raw = await new DynamoDBClient({ endpoint: config().DYNAMODB_ENDPOINT, region: 'us-east-1' }).send(
      new GetItemCommand({
        TableName: config().ATRIUM_TABLE_NAME,
        Key: { PK: { S: `T#${t.tenant.tenantId}` }, SK: { S: 'TENANT' } },
      }),
    )
    expect(JSON.stringify(raw.Item)).not.toMatch(/pat@acme\.test|Pat Contact/)
    // a member without tenant.settings reads and changes none of it
    const m = await addPlainMember(t.tenant)
    const member = (await login(m.identifier, m.password, { tenantCode: t.tenant.code })).accessToken
    expect((await patch({ name: 'Hijacked' }, member)).status).toBe(403)
    expect((await call(tenants, 'GET', '/v1/tenant/contact', { token: member })).status).toBe(403)
    // removed: none kept
    expect((await patch({ contact: null })).status).toBe(200)
    expect((await call(tenants, 'GET', '/v1/tenant/contact', { token: t.accessToken })).body).toEqual({
      contact: null,
    })
  })

  it('holds one instance per customer under 20 concurrent requests', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(tenants, 'POST', '/v1/tenants', { token: platformToken, body: body('race-1') }),
      ),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.error.code).toBe('INSTANCE_EXISTS')
    const listed = await call(tenants, 'GET', '/v1/tenants', {
      token: platformToken,
      query: { limit: '100' },
    })
    expect(listed.body.items.filter((t: { customerId: string }) => t.customerId === 'race-1')).toHaveLength(1)
  })

  it('opens the free edition once per customer, ever, even after the instance is gone', async () => {
    const first = await call(tenants, 'POST', '/v1/tenants', { token: platformToken, body: body('trial-1') })
    expect(first.status).toBe(201)
    // What a release does to the customer's instance guard (the trial guard stays).
    await new DynamoDBClient({ endpoint: config().DYNAMODB_ENDPOINT, region: 'us-east-1' }).send(
      new DeleteItemCommand({
        TableName: config().ATRIUM_TABLE_NAME,
        Key: { PK: { S: 'CUST#trial-1' }, SK: { S: 'INSTANCE' } },
      }),
    )
    const second = await call(tenants, 'POST', '/v1/tenants', { token: platformToken, body: body('trial-1') })
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('FREE_TRIAL_USED')
    const paid = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      body: body('trial-1', { planCode: 'general.professional', expiresAt: '2099-01-01T00:00:00Z' }),
    })
    expect(paid.status).toBe(201)
  })

  it('refuses bad input with the failing fields and writes nothing', async () => {
    const res = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      body: {
        customerId: '',
        industry: 'Mining!',
        planCode: 'general.professional',
        admin: { identifier: 'not an id' },
      },
    })
    expect(res.status).toBe(400)
    const paths = res.body.error.details.map((d: { path: string }) => d.path)
    expect(paths).toEqual(
      expect.arrayContaining(['body.customerId', 'body.name', 'body.industry', 'body.admin.identifier']),
    )
    const noExpiry = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      body: body('bad-1', { planCode: 'general.professional' }),
    })
    expect(noExpiry.status).toBe(400)
    expect(noExpiry.body.error.details[0].path).toBe('body.expiresAt')
    const unknownPlan = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      body: body('bad-1', { planCode: 'x.y' }),
    })
    expect(unknownPlan.status).toBe(400)
    const retry = await call(tenants, 'POST', '/v1/tenants', { token: platformToken, body: body('bad-1') })
    expect(retry.status).toBe(201)
  })

  it('freezes: members are refused, the admin gets a read-only session; renewal restores', async () => {
    const t = await openTenant(platformToken)
    const member = await addPlainMember(t.tenant)
    expect((await login(member.identifier, member.password)).accessToken).toEqual(expect.any(String))
    const frozen = await call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/freeze`, {
      token: platformToken,
      body: {},
    })
    expect(frozen.body).toMatchObject({
      status: 'frozen',
      frozenReason: 'manual',
      retentionUntil: expect.any(String),
    })
    // V2 customers are kept 30 days by the default retention table.
    expect(Date.parse(frozen.body.retentionUntil) - Date.parse(frozen.body.frozenAt)).toBe(30 * 86_400_000)
    const refused = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: member.identifier, password: member.password },
    })
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('TENANT_FROZEN')
    const admin = await login(t.identifier, t.password)
    expect(admin.readOnly).toBe(true)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: admin.accessToken })).body.status).toBe(
      'frozen',
    )
    const write = await call(auth, 'GET', '/v1/tenant/login-log', { token: admin.accessToken })
    expect(write.status).toBe(200)
    // A session opened before the freeze is refused on refresh for non-admins; admins turn read-only.
    const refreshed = await call(auth, 'POST', '/v1/auth/refresh', { body: { refreshToken: t.refreshToken } })
    expect(refreshed.body.readOnly).toBe(true)
    const again = await call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/freeze`, {
      token: platformToken,
      body: {},
    })
    expect(again.status).toBe(409)
    const renewed = await call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/renew`, {
      token: platformToken,
      body: { expiresAt: '2099-12-31T00:00:00Z' },
    })
    expect(renewed.body).toMatchObject({ status: 'active', expiresAt: '2099-12-31T00:00:00.000Z' })
    expect(renewed.body.frozenAt).toBeUndefined()
    expect((await login(t.identifier, t.password)).readOnly).toBe(false)
    const history = await call(tenants, 'GET', `/v1/tenants/${t.tenant.tenantId}/history`, {
      token: platformToken,
    })
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual([
      'renewed',
      'frozen',
      'opened',
    ])
  })

  it('refuses to unfreeze an expired tenant and to renew past its retention', async () => {
    const t = await openTenant(platformToken)
    await call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/freeze`, { token: platformToken, body: {} })
    advanceClock(400 * 86_400_000)
    const token = (await login(SEED.adminIdentifier, SEED.adminPassword)).accessToken
    const unfreeze = await call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/unfreeze`, {
      token,
      body: {},
    })
    expect(unfreeze.status).toBe(409)
    expect(unfreeze.body.error.code).toBe('INVALID_STATE')
    const renew = await call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/renew`, {
      token,
      body: { expiresAt: '2099-12-31T00:00:00Z' },
    })
    expect(renew.status).toBe(409)
  })

  it('lets only one of concurrent transitions apply', async () => {
    const t = await openTenant(platformToken)
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/freeze`, { token: platformToken, body: {} }),
      ),
    )
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    const history = await call(tenants, 'GET', `/v1/tenants/${t.tenant.tenantId}/history`, {
      token: platformToken,
    })
    expect(history.body.items.filter((e: { action: string }) => e.action === 'frozen')).toHaveLength(1)
  })

  it('pages through tenants filtered by industry and status', async () => {
    for (let i = 0; i < 3; i++) await openTenant(platformToken, { industry: 'medical' })
    const first = await call(tenants, 'GET', '/v1/tenants', {
      token: platformToken,
      query: { industry: 'medical', status: 'active', limit: '2' },
    })
    expect(first.body.items).toHaveLength(2)
    const second = await call(tenants, 'GET', '/v1/tenants', {
      token: platformToken,
      query: { industry: 'medical', status: 'active', limit: '2', cursor: first.body.nextCursor },
    })
    const ids = [...first.body.items, ...second.body.items].map((t: { tenantId: string }) => t.tenantId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBeGreaterThanOrEqual(3)
    for (const t of [...first.body.items, ...second.body.items]) expect(t.industry).toBe('medical')
    const forged = await call(tenants, 'GET', '/v1/tenants', {
      token: platformToken,
      query: { industry: 'office', cursor: first.body.nextCursor },
    })
    expect(forged.status).toBe(400)
  })

  it('shows an industry admin only the tenants of their industry', async () => {
    const office = await openTenant(platformToken, { industry: 'office' })
    const medical = await openTenant(platformToken, { industry: 'medical' })
    const list = await call(tenants, 'GET', '/v1/industry/tenants', {
      token: officeToken,
      query: { limit: '100' },
    })
    expect(list.body.items.every((t: { industry: string }) => t.industry === 'office')).toBe(true)
    expect(
      (await call(tenants, 'GET', `/v1/industry/tenants/${office.tenant.tenantId}`, { token: officeToken }))
        .status,
    ).toBe(200)
    expect(
      (await call(tenants, 'GET', `/v1/industry/tenants/${medical.tenant.tenantId}`, { token: officeToken }))
        .status,
    ).toBe(404)
    expect((await call(tenants, 'GET', '/v1/tenants', { token: officeToken })).status).toBe(403)
  })

  it('answers GET /v1/tenant with one DynamoDB request: the live session check, which reads the tenant', async () => {
    const t = await openTenant(platformToken)
    const { dynamoRequestCount, dynamoRequestsByCommand } = await import('../../lib/core/db/client.js')
    await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })
    const before = dynamoRequestCount()
    const res = await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })
    expect(res.status).toBe(200)
    expect(dynamoRequestCount() - before).toBe(1)
    expect(dynamoRequestsByCommand().BatchGetItemCommand).toBeGreaterThan(0)
  })
})

describe('idempotent tenant opening', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('answers a retry with the same Idempotency-Key with the first answer, one-time password included', async () => {
    const request = {
      token: platformToken,
      body: body('idem-1'),
      headers: { 'idempotency-key': 'open-idem-1-key' },
    }
    const results = await Promise.all([
      call(tenants, 'POST', '/v1/tenants', request),
      call(tenants, 'POST', '/v1/tenants', request),
    ])
    const first = results.find((r) => r.status === 201)
    expect(first).toBeDefined()
    const retry = await call(tenants, 'POST', '/v1/tenants', request)
    expect(retry.status).toBe(201)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.body).toEqual(first?.body)
  })

  it('refuses the same key for a different request, and lets a failed request be retried', async () => {
    const headers = { 'idempotency-key': 'open-idem-2-key' }
    const bad = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      headers,
      body: body('idem-2', { planCode: 'general.professional' }),
    })
    expect(bad.status).toBe(400)
    const good = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      headers,
      body: body('idem-2'),
    })
    expect(good.status).toBe(201)
    const other = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      headers,
      body: body('idem-3'),
    })
    expect(other.status).toBe(400)
    expect(other.body.error.details[0].path).toBe('header.idempotency-key')
  })
})
