import { handler as apps } from '../../functions/apps/handler.js'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as provisioning } from '../../functions/provisioning/handler.js'
import { accountName } from '../../lib/directory/member-record.js'
import { findTenant, tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { type RunningProvider, startProvider } from '../../scripts/local/provider.js'
import { addBareMembers } from '../support/bare-members.js'
import { useTestTable } from '../support/dynamo.js'
import { login, platformFixture } from '../support/fixtures.js'
import { kooGalleryV2, orderBook, useKooGalleryOpenApi } from '../support/koogallery.js'
import { call } from '../support/lambda.js'
import { useLocalStreams } from '../support/streams.js'

const table = useTestTable({ stream: true })

// A vendor set once by the system admin hears of every workbench that orders its app through
// KooGallery V2: the tenant, the credentials, the departments, the members granted, the release.
describe("a subscribed app's vendor, bound by the order", () => {
  const { settle } = useLocalStreams(table)
  const book = orderBook()
  useKooGalleryOpenApi(book)
  let provider: RunningProvider
  let platformToken: string
  const path = '/v1/platform/apps/erp-cloud/provisioning'

  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
    provider = await startProvider()
  })
  afterAll(async () => {
    await provider.stop()
  })

  /** A KooGallery V2 order, read back through the open API, answered success. */
  const order = async (customerId: string, skuCode: string) => {
    const { orderId, orderLineId } = book.place({ customerId, skuCode })
    const res = await kooGalleryV2({
      activity: 'newInstance',
      orderId,
      orderLineId,
      businessId: `b-${orderId}`,
    })
    expect(res.body.resultCode).toBe('000000')
    return res.body.instanceId as string
  }

  it('is set by the system admin only, checked like a binding, its key shown as a hint', async () => {
    const bad = await call(provisioning, 'PUT', path, {
      token: platformToken,
      body: { dialect: 'workbench-v2', oaep: 'sha1' },
    })
    expect([bad.status, bad.body.error.details.map((d: { path: string }) => d.path)]).toEqual([
      400,
      ['body.baseUrl', 'body.accessKey', 'body.publicKeyPem'],
    ])
    const builtIn = await call(provisioning, 'PUT', '/v1/platform/apps/drive/provisioning', {
      token: platformToken,
      body: { dialect: 'none' },
    })
    expect(builtIn.status).toBe(404)
    const set = await call(provisioning, 'PUT', path, {
      token: platformToken,
      body: {
        dialect: 'workbench-v2',
        baseUrl: provider.origin,
        accessKey: provider.accessKey,
        publicKeyPem: provider.publicKeyPem,
      },
    })
    expect(set.status).toBe(200)
    expect(set.body).toMatchObject({
      dialect: 'workbench-v2',
      baseUrl: provider.origin,
      secretHint: expect.any(String),
    })
    expect(JSON.stringify(set.body)).not.toContain(provider.accessKey)
    expect((await call(provisioning, 'GET', path, { token: platformToken })).body).toEqual(set.body)
  })

  it('hears of the workbench that orders the app, of its members granted, and of the release', async () => {
    const workbench = await order('vendor-buyer', 'atrium-general-professional')
    const appInstance = await order('vendor-buyer', 'erp-cloud-20')
    const tenantId = (await tenantIdByCustomer('vendor-buyer')) as string
    await settle()
    const heard = provider.state.tenants.get(tenantId)
    expect(heard?.apps.get('erp-cloud')).toMatchObject({ clientId: expect.any(String) })
    expect(provider.state.calls.filter((c) => c.tenantId === tenantId).map((c) => c.iface)).toEqual([
      'tenantSync',
      'applicationSync',
      'allOrgSync',
    ])

    // the workbench's admin grants the app: the vendor receives the members
    const { code } = (await findTenant(tenantId)) as { code: string }
    const members = await addBareMembers({ tenantId, code }, 3)
    const admin = await kooGalleryAdmin(workbench)
    const granted = await call(apps, 'POST', '/v1/apps/erp-cloud/grants', {
      token: admin,
      body: { members },
    })
    expect(granted.status).toBe(200)
    await settle()
    expect(
      [...(provider.state.tenants.get(tenantId)?.users.values() ?? [])].map((u) => u.userName).sort(),
    ).toEqual(members.map((m) => accountName(tenantId, m)).sort())

    // the order ends: the app leaves the workbench and the vendor is told
    expect(
      (await kooGalleryV2({ activity: 'releaseInstance', instanceId: appInstance })).body.resultCode,
    ).toBe('000000')
    await settle()
    expect(provider.state.tenants.has(tenantId)).toBe(false)
  })

  it("is not shown to a workbench's admin", async () => {
    const admin = await kooGalleryAdmin(workbenches[0] as string)
    expect((await call(provisioning, 'GET', path, { token: admin })).status).toBe(403)
  })
})

const admins = new Map<string, string>()
const workbenches: string[] = []
/** The KooGallery workbench's administrator, signed in with the credentials queryInstance relayed. */
const kooGalleryAdmin = async (instanceId: string) => {
  const known = admins.get(instanceId)
  if (known) return known
  workbenches.push(instanceId)
  const info = (await kooGalleryV2({ activity: 'queryInstance', instanceId })).body.info[0].appInfo
  const first = await login(info.userName, info.password)
  // the one-time password, replaced with the password alone (a login we issued: no mailbox to prove)
  const own = await call(auth, 'POST', '/v1/auth/password', {
    token: first.accessToken,
    body: { currentPassword: info.password, newPassword: 'Vendor-admin-1' },
  })
  admins.set(instanceId, own.body.accessToken)
  return own.body.accessToken as string
}
