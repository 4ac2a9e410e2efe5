import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { subscribeApp } from '../../lib/apps/subscriptions.js'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

const oidcApp = (extra: Record<string, unknown> = {}) => ({
  name: 'Expenses',
  description: 'Claims and receipts',
  clientTypes: ['web', 'h5'],
  protocol: 'oidc',
  homeUrl: 'https://expenses.example.com/',
  redirectUris: ['https://expenses.example.com/callback'],
  attributes: [{ key: 'costCentre', name: 'Cost centre', options: ['CC-1', 'CC-2'] }],
  requestedFields: ['email'],
  ...extra,
})

describe('apps of a workbench', () => {
  let platformToken: string
  let officeToken: string
  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
  })

  it("lists the edition's and the industry's apps with their kind and licence", async () => {
    const t = await openTenant(platformToken, { industry: 'office' })
    const list = await call(apps, 'GET', '/v1/apps', { token: t.accessToken, query: { limit: '100' } })
    expect(list.status).toBe(200)
    const byId = new Map(list.body.items.map((a: { appId: string }) => [a.appId, a]))
    expect(byId.get('im')).toMatchObject({
      kind: 'built-in',
      protocol: 'built-in',
      enabled: true,
      licence: { status: 'active' },
    })
    expect(byId.get('drive')).toMatchObject({ kind: 'built-in', name: 'Drive' })
    expect(byId.has('erp-cloud')).toBe(false)
  })

  it('registers its own app: a client whose secret is shown once and kept only as a hash, and rotated', async () => {
    const t = await openTenant(platformToken)
    const created = await call(apps, 'POST', '/v1/apps', { token: t.accessToken, body: oidcApp() })
    expect(created.status).toBe(201)
    const { appId, clientId, clientSecret } = created.body
    expect(created.body.app).toMatchObject({
      appId,
      kind: 'self-built',
      name: 'Expenses',
      clientId,
      enabled: true,
    })
    expect(clientSecret).toMatch(/^sec_/)
    const read = await call(apps, 'GET', `/v1/apps/${appId}`, { token: t.accessToken })
    expect(JSON.stringify(read.body)).not.toContain(clientSecret)
    const { Items = [] } = await getDocumentClient().send(
      new ScanCommand({ TableName: config().ATRIUM_TABLE_NAME }),
    )
    expect(JSON.stringify(Items)).not.toContain(clientSecret)
    const rotated = await call(apps, 'POST', `/v1/apps/${appId}/secret`, { token: t.accessToken })
    expect(rotated.body.clientId).toBe(clientId)
    expect(rotated.body.clientSecret).not.toBe(clientSecret)
    // a link app signs nobody in: it has no secret
    const link = await call(apps, 'POST', '/v1/apps', {
      token: t.accessToken,
      body: { name: 'Wiki', clientTypes: ['web'], protocol: 'link', homeUrl: 'https://wiki.example.com/' },
    })
    expect(link.body.clientSecret).toBeUndefined()
    expect(
      (await call(apps, 'POST', `/v1/apps/${link.body.appId}/secret`, { token: t.accessToken })).status,
    ).toBe(409)
  })

  it('refuses definitions that would let a code or ticket go astray, naming the field', async () => {
    const t = await openTenant(platformToken)
    const refused = async (body: Record<string, unknown>) => {
      const res = await call(apps, 'POST', '/v1/apps', { token: t.accessToken, body })
      expect(res.status).toBe(400)
      return res.body.error.details.map((d: { path: string }) => d.path)
    }
    expect(await refused(oidcApp({ redirectUris: [] }))).toContain('body.redirectUris')
    expect(await refused(oidcApp({ redirectUris: ['http://expenses.example.com/cb'] }))).toContain(
      'body.redirectUris.0',
    )
    expect(await refused(oidcApp({ redirectUris: ['https://expenses.example.com/cb#x'] }))).toContain(
      'body.redirectUris.0',
    )
    expect(await refused(oidcApp({ protocol: 'cas', casServices: ['https://*.example.com/cas'] }))).toContain(
      'body.casServices.0',
    )
    expect(await refused(oidcApp({ protocol: 'built-in' }))).toContain('body.protocol')
    // a sign-out notice goes only to an https address of an app that signs members in by protocol
    expect(await refused(oidcApp({ logoutUrl: 'javascript:alert(1)' }))).toContain('body.logoutUrl')
    expect(
      await refused({
        name: 'Wiki',
        clientTypes: ['web'],
        protocol: 'link',
        homeUrl: 'https://w.example.com/',
        logoutUrl: 'https://w.example.com/out',
      }),
    ).toContain('body.logoutUrl')
    expect(
      await refused(
        oidcApp({
          attributes: [
            { key: 'a', name: 'A' },
            { key: 'a', name: 'B' },
          ],
        }),
      ),
    ).toContain('body.attributes')
    // localhost over http is for development, and a CAS prefix is explicit
    const dev = await call(apps, 'POST', '/v1/apps', {
      token: t.accessToken,
      body: oidcApp({
        redirectUris: ['http://localhost:8080/cb'],
        protocol: 'cas',
        casServices: ['https://app.example.com/cas/*'],
      }),
    })
    expect(dev.status).toBe(201)
  })

  it("switches apps on and off, groups them, changes only its own apps' definitions, deletes only its own", async () => {
    const t = await openTenant(platformToken)
    const own = (await call(apps, 'POST', '/v1/apps', { token: t.accessToken, body: oidcApp() })).body.appId
    const patch = (appId: string, body: unknown) =>
      call(apps, 'PATCH', `/v1/apps/${appId}`, { token: t.accessToken, body })
    expect((await patch('drive', { enabled: false })).body).toMatchObject({ appId: 'drive', enabled: false })
    expect((await patch('drive', { name: 'My drive' })).status).toBe(400)
    const group = (
      await call(apps, 'POST', '/v1/app-groups', {
        token: t.accessToken,
        body: { name: 'Finance', order: 2 },
      })
    ).body
    expect((await patch(own, { groupId: group.groupId, order: 3 })).body).toMatchObject({
      groupId: group.groupId,
      order: 3,
    })
    const unknownGroup = await patch(own, { groupId: '01zzzzzzzzzzzzzzzzzzzzzzzz' })
    expect([unknownGroup.status, unknownGroup.body.error.details[0].path]).toEqual([400, 'body.groupId'])
    expect((await patch(own, { name: 'Expenses 2' })).body.name).toBe('Expenses 2')
    const broken = await patch(own, { protocol: 'cas' })
    expect([broken.status, broken.body.error.details[0].path]).toEqual([400, 'body.casServices'])
    expect((await call(apps, 'DELETE', '/v1/apps/drive', { token: t.accessToken })).status).toBe(409)
    expect((await call(apps, 'DELETE', `/v1/apps/${own}`, { token: t.accessToken })).status).toBe(204)
    expect((await call(apps, 'GET', `/v1/apps/${own}`, { token: t.accessToken })).status).toBe(404)
    const renamed = await call(apps, 'PATCH', `/v1/app-groups/${group.groupId}`, {
      token: t.accessToken,
      body: { name: 'Money' },
    })
    expect(renamed.body).toEqual({ groupId: group.groupId, name: 'Money', order: 2 })
    const groups = async () =>
      (await call(apps, 'GET', '/v1/app-groups', { token: t.accessToken })).body.items
    expect(await groups()).toEqual([renamed.body])
    const removeGroup = () =>
      call(apps, 'DELETE', `/v1/app-groups/${group.groupId}`, { token: t.accessToken })
    expect((await removeGroup()).status).toBe(204)
    expect([(await removeGroup()).status, await groups()]).toEqual([404, []])
  })

  it("never shows or changes another workbench's apps", async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken)
    const theirs = (await call(apps, 'POST', '/v1/apps', { token: a.accessToken, body: oidcApp() })).body
      .appId
    const group = (await call(apps, 'POST', '/v1/app-groups', { token: a.accessToken, body: { name: 'A' } }))
      .body.groupId
    for (const [method, path, body] of [
      ['GET', `/v1/apps/${theirs}`],
      ['PATCH', `/v1/apps/${theirs}`, { enabled: false }],
      ['DELETE', `/v1/apps/${theirs}`],
      ['POST', `/v1/apps/${theirs}/secret`],
      ['PATCH', `/v1/app-groups/${group}`, { name: 'B' }],
      ['DELETE', `/v1/app-groups/${group}`],
    ] as const) {
      const res = await call(apps, method, path, { token: b.accessToken, body })
      expect([method, path, res.status]).toEqual([method, path, 404])
    }
    const list = await call(apps, 'GET', '/v1/apps', { token: b.accessToken, query: { limit: '100' } })
    expect(list.body.items.map((x: { appId: string }) => x.appId)).not.toContain(theirs)
    expect((await call(apps, 'GET', `/v1/apps/${theirs}`, { token: a.accessToken })).body.enabled).toBe(true)
  })

  it('shows the catalog a workbench may buy from, and what it has', async () => {
    const t = await openTenant(platformToken)
    const before = (await call(apps, 'GET', '/v1/catalog/apps', { token: t.accessToken })).body.items
    const erp = before.find((a: { appId: string }) => a.appId === 'erp-cloud')
    expect(erp).toMatchObject({
      kind: 'subscribed',
      added: false,
      marketplaceUrl: expect.stringContaining('erp-cloud'),
    })
    expect(
      erp.skus
        .map((s: { seats: number; trialDays?: number }) => [s.seats, s.trialDays])
        .sort((a: number[], b: number[]) => (a[0] as number) - (b[0] as number)),
    ).toEqual([
      [20, 30],
      [100, undefined],
    ])
    await subscribeApp({
      tenantId: t.tenant.tenantId,
      appCode: 'erp-cloud',
      seats: 20,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      instanceId: `${t.tenant.tenantId}.erp-cloud.x`,
      market: 'koogallery',
    })
    const after = (await call(apps, 'GET', '/v1/catalog/apps', { token: t.accessToken })).body.items
    expect(after.find((a: { appId: string }) => a.appId === 'erp-cloud').added).toBe(true)
    const bought = await call(apps, 'GET', '/v1/apps/erp-cloud', { token: t.accessToken })
    expect(bought.body).toMatchObject({
      kind: 'subscribed',
      protocol: 'oauth2',
      licence: { seats: 20, status: 'active' },
    })
    // a bought app gets its client at this workbench when its secret is first issued
    const secret = await call(apps, 'POST', '/v1/apps/erp-cloud/secret', { token: t.accessToken })
    expect(secret.body.clientId).toMatch(/^cli_/)
  })

  it("lets an industry admin set the industry's preinstalled apps, and a system admin shape the catalog", async () => {
    const set = (appIds: string[]) =>
      call(apps, 'PUT', '/v1/industry/apps', { token: officeToken, body: { appIds } })
    expect((await set(['drive', 'no-such-app'])).status).toBe(400)
    expect((await set(['crm-pro'])).status).toBe(400)
    const put = (appId: string, body: unknown, token = platformToken) =>
      call(apps, 'PUT', `/v1/platform/apps/${appId}`, { token, body })
    const helpdesk = {
      name: 'Helpdesk',
      kind: 'preinstalled',
      delivery: 'federated',
      clientTypes: ['web'],
      protocol: 'cas',
      casServices: ['https://helpdesk.example.com/cas/*'],
    }
    expect((await put('helpdesk', helpdesk, officeToken)).status).toBe(403)
    expect((await put('helpdesk', { ...helpdesk, casServices: [] })).status).toBe(400)
    expect((await put('helpdesk', helpdesk)).body).toMatchObject({ code: 'helpdesk', protocol: 'cas' })
    const ok = await set(['drive', 'todo-centre', 'helpdesk'])
    expect(ok.body.preinstalledApps).toEqual(['drive', 'todo-centre', 'helpdesk'])
    const t = await openTenant(platformToken, { industry: 'office' })
    const mine = await call(apps, 'GET', '/v1/apps/helpdesk', { token: t.accessToken })
    expect(mine.body).toMatchObject({ kind: 'preinstalled', protocol: 'cas' })
    expect(
      (await call(tenants, 'GET', '/v1/industries', {})).body.items.find(
        (i: { code: string }) => i.code === 'office',
      ),
    ).toMatchObject({ preinstalledApps: ['drive', 'todo-centre', 'helpdesk'] })
  })

  it("lets an industry admin choose the subscribed apps the industry's workbenches may buy", async () => {
    const store = (appIds: string[], token = officeToken) =>
      call(apps, 'PUT', '/v1/industry/apps/store', { token, body: { appIds } })
    const office = await openTenant(platformToken, { industry: 'office' })
    const industrial = await openTenant(platformToken, { industry: 'industrial' })
    const bad = await store(['drive', 'no-such-app', 'crm-pro'])
    expect([bad.status, bad.body.error.details.length]).toEqual([400, 2])
    expect((await store(['crm-pro'], office.accessToken)).status).toBe(403)
    expect((await store(['crm-pro'])).body.storeApps).toEqual(['crm-pro'])
    const onSale = async (t: typeof office) =>
      (await call(apps, 'GET', '/v1/catalog/apps', { token: t.accessToken })).body.items
        .filter((a: { kind: string }) => a.kind === 'subscribed')
        .map((a: { appId: string }) => a.appId)
        .sort()
    try {
      // the office industry's workbenches see its store; another industry's, the whole catalog
      expect(await onSale(office)).toEqual(['crm-pro'])
      expect(await onSale(industrial)).toEqual(['crm-pro', 'erp-cloud'])
    } finally {
      await store(['crm-pro', 'erp-cloud'])
    }
  })
})
