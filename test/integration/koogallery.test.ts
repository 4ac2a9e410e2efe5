import { handler as auth } from '../../functions/auth/handler.js'
import { handler as marketplace } from '../../functions/marketplace/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { listEntitled } from '../../lib/access/entitled.js'
import { grantApp } from '../../lib/access/grants.js'
import { getTenantApp } from '../../lib/apps/tenant-apps.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { config } from '../../lib/core/config.js'
import { scopeOf, systemContext } from '../../lib/core/tenancy.js'
import '../../lib/capability-jobs.js'
import { runLifecycle } from '../../lib/lifecycle/run.js'
import { getIndustry, getPlan, putPlan, setStoreApps } from '../../lib/platform/catalog.js'
import type { Industry, Plan } from '../../lib/platform/schemas.js'
import { findTenant, tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { addBareMembers, setMemberCount } from '../support/bare-members.js'
import { useTestTable } from '../support/dynamo.js'
import { platformFixture } from '../support/fixtures.js'
import { decryptField, expectedBodySign, kooGallery, sign, stamp } from '../support/koogallery.js'
import { call, httpEvent } from '../support/lambda.js'

useTestTable()

const DAY = 86_400_000

let order = 0
const newOrder = (customerId: string, extra: Record<string, string> = {}) => ({
  activity: 'newInstance',
  customerId,
  customerName: `Customer ${customerId}`,
  businessId: `biz-${++order}`,
  orderId: `order-${customerId}-${order}`,
  skuCode: 'atrium-general-professional',
  productId: 'atrium-general',
  expireTime: '20991231000000',
  trialFlag: '0',
  chargingMode: '1',
  periodType: 'year',
  periodNumber: '1',
  orderAmount: '100.00',
  ...extra,
})

describe('KooGallery SaaS production interface', () => {
  const key = () => process.env.KOOGALLERY_KEY as string
  beforeAll(async () => {
    await platformFixture()
  })
  afterEach(() => resetClock())

  it('opens an instance and relays the admin credentials encrypted and signed', async () => {
    const res = await call(marketplace, 'GET', '/v1/marketplace/koogallery', {
      query: (() => {
        const p = { ...newOrder('kg-1'), timeStamp: stamp() }
        return { ...p, authToken: sign(key(), p) }
      })(),
    })
    expect(res.status).toBe(200)
    const raw = JSON.stringify(res.body)
    expect(res.headers['Body-Sign']).toBe(expectedBodySign(key(), raw))
    expect(res.body).toMatchObject({ resultCode: '000000', encryptType: '2', instanceId: expect.any(String) })
    const appInfo = res.body.appInfo as Record<string, string>
    const info = {
      ...appInfo,
      userName: decryptField(key(), appInfo.userName as string),
      password: decryptField(key(), appInfo.password as string),
    }
    const t = await findTenant(res.body.instanceId)
    // The buyer reads the addresses as they are; only the credentials travel encrypted.
    expect(appInfo.frontEndUrl).toBe(`${config().PUBLIC_API_URL}/t/${t?.code}/`)
    expect(appInfo.adminUrl).toBe(appInfo.frontEndUrl)
    expect(appInfo.password).not.toBe(info.password)
    const login = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: info.userName, password: info.password },
    })
    expect(login.status).toBe(200)
    expect(login.body.mustChangePassword).toBe(true)
    // The login is one we issued (no mailbox to prove): the buyer makes it theirs with the password alone.
    const own = await call(auth, 'POST', '/v1/auth/password', {
      token: login.body.accessToken,
      body: { currentPassword: info.password, newPassword: 'Buyer-password-1' },
    })
    expect(own.status).toBe(200)
    expect(t).toMatchObject({
      customerId: 'kg-1',
      // the marketplace verified its buyer: the order that says so is recorded with it
      verification: {
        method: 'marketplace',
        reference: expect.stringMatching(/^order-kg-1-/),
        by: 'marketplace:koogallery',
      },
      planCode: 'general.professional',
      expiresAt: '2099-12-31T00:00:00.000Z',
    })
  })

  it('answers 50 concurrent duplicate deliveries with one tenant and one answer', async () => {
    const params = newOrder('kg-dup')
    const results = await Promise.all(Array.from({ length: 50 }, () => kooGallery(params)))
    const codes = new Set(results.map((r) => r.body.resultCode))
    expect([...codes]).toEqual(['000000'])
    const ids = new Set(results.map((r) => r.body.instanceId))
    expect(ids.size).toBe(1)
    const passwords = new Set(results.map((r) => decryptField(key(), r.body.appInfo.password)))
    expect(passwords.size).toBe(1)
    expect(await tenantIdByCustomer('kg-dup')).toBe([...ids][0])
    const all = await call(tenants, 'GET', '/v1/tenants', {
      token: (
        await call(auth, 'POST', '/v1/auth/login', {
          body: { identifier: 'root@atrium.test', password: 'Root-password-1' },
        })
      ).body.accessToken,
      query: { limit: '100' },
    })
    expect(all.body.items.filter((t: { customerId: string }) => t.customerId === 'kg-dup')).toHaveLength(1)
    // hours later, the marketplace retries once more
    const later = await kooGallery(params)
    expect(later.body.instanceId).toBe([...ids][0])
    expect(decryptField(key(), later.body.appInfo.password)).toBe([...passwords][0])
  })

  it.each([
    [
      'a wrong signature',
      {
        tamper: (p: Record<string, string>) => {
          p.authToken = `${p.authToken?.slice(0, -4)}AAA=`
        },
      },
      '000001',
    ],
    ['a wrong key', { key: 'not-the-merchant-key' }, '000001'],
    ['a stale timestamp', { timeStamp: stamp(Date.now() - 3_600_000) }, '000001'],
    ['a future timestamp', { timeStamp: stamp(Date.now() + 3_600_000) }, '000001'],
    [
      'a tampered parameter',
      {
        tamper: (p: Record<string, string>) => {
          p.skuCode = 'atrium-general-enterprise'
        },
      },
      '000001',
    ],
  ])('refuses %s and writes nothing', async (_name, options, code) => {
    const params = newOrder(`kg-bad-${order}`)
    const res = await kooGallery(params, options)
    expect(res.body.resultCode).toBe(code)
    expect(res.headers['Body-Sign']).toBe(expectedBodySign(key(), res.rawBody))
    expect(await tenantIdByCustomer(params.customerId)).toBeUndefined()
  })

  it.each([
    [
      'a missing orderId',
      (p: Record<string, string>) => {
        delete p.orderId
      },
    ],
    [
      'a garbled expireTime',
      (p: Record<string, string>) => {
        p.expireTime = '2099-13-01'
      },
    ],
    [
      'garbled saasExtendParams',
      (p: Record<string, string>) => {
        p.saasExtendParams = '%%%not-base64'
      },
    ],
    [
      'an unknown sku',
      (p: Record<string, string>) => {
        p.skuCode = 'no-such-sku'
      },
    ],
    [
      'an unknown activity',
      (p: Record<string, string>) => {
        p.activity = 'explode'
      },
    ],
  ])('answers 000002 for %s and writes nothing', async (_name, mutate) => {
    const params: Record<string, string> = newOrder(`kg-inv-${order}`)
    mutate(params)
    const res = await kooGallery(params)
    expect(res.body.resultCode).toBe('000002')
    expect(await tenantIdByCustomer(`kg-inv-${order}`)).toBeUndefined()
  })

  it("reaches only the instances KooGallery opened: not the platform's, not another marketplace's", async () => {
    const { platformToken } = await platformFixture()
    const opened = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      body: {
        customerId: 'direct-customer',
        name: 'Direct',
        industry: 'office',
        planCode: 'general.professional',
        expiresAt: '2099-01-01T00:00:00Z',
        admin: { identifier: `direct-${Date.now()}@direct.test`, name: 'D' },
        verification: { method: 'business-licence', reference: 'LIC-0001' },
      },
    })
    const instanceId = opened.body.tenant.tenantId as string
    for (const activity of ['queryInstance', 'expireInstance', 'releaseInstance']) {
      const res = await kooGallery({ activity, instanceId })
      expect([activity, res.body.resultCode]).toEqual([activity, '000003'])
    }
    const renewed = await kooGallery({
      activity: 'refreshInstance',
      instanceId,
      orderId: 'renew-direct',
      expireTime: '20991231000000',
    })
    expect(renewed.body.resultCode).toBe('000003')
    const app = await kooGallery(
      newOrder('direct-customer', { skuCode: 'erp-cloud-20', productId: 'erp-cloud' }),
    )
    expect(app.body.resultCode).toBe('000005')
    const aws = await kooGallery(newOrder('aws:someone'))
    expect(aws.body.resultCode).toBe('000002')
    const untouched = await findTenant(instanceId)
    expect(untouched?.status).toBe('active')
  })

  it('never answers 500, even without any parameter', async () => {
    const res = await call(marketplace, 'GET', '/v1/marketplace/koogallery', { query: {} })
    expect(res.status).toBe(200)
    expect(res.body.resultCode).toBe('000001')
    const res2 = await marketplace(httpEvent('GET', '/v1/marketplace/koogallery'), {
      awsRequestId: 'x',
    } as never)
    expect(res2.statusCode).toBe(200)
  })

  it('verifies names with spaces and plus signs as the marketplace encodes them', async () => {
    const res = await kooGallery(newOrder('kg-enc', { customerName: 'A+B Co. & Sons / 北京' }))
    expect(res.body.resultCode).toBe('000000')
    expect((await findTenant(res.body.instanceId))?.name).toBe('A+B Co. & Sons / 北京')
  })

  it('reads saasExtendParams (customer level)', async () => {
    const ext = encodeURIComponent(
      Buffer.from(JSON.stringify([{ name: 'customerLevel', value: 'V4' }])).toString('base64'),
    )
    const res = await kooGallery(newOrder('kg-ext', { saasExtendParams: ext }))
    expect(res.body.resultCode).toBe('000000')
    expect((await findTenant(res.body.instanceId))?.customerLevel).toBe('V4')
  })

  it('refuses a second instance and a second free trial with 000103', async () => {
    const first = await kooGallery(newOrder('kg-once', { skuCode: 'atrium-general-basic', trialFlag: '1' }))
    expect(first.body.resultCode).toBe('000000')
    const second = await kooGallery(newOrder('kg-once'))
    expect(second.body.resultCode).toBe('000103')
    await kooGallery({ activity: 'releaseInstance', instanceId: first.body.instanceId })
    const trialAgain = await kooGallery(
      newOrder('kg-once', { skuCode: 'atrium-general-basic', trialFlag: '1' }),
    )
    expect(trialAgain.body.resultCode).toBe('000103')
    const paid = await kooGallery(newOrder('kg-once'))
    expect(paid.body.resultCode).toBe('000000')
  })

  it('renews, expires, restores and releases, each repeat a no-op success', async () => {
    const opened = await kooGallery(newOrder('kg-life'))
    const instanceId = opened.body.instanceId as string
    const refresh = {
      activity: 'refreshInstance',
      instanceId,
      orderId: 'renew-1',
      expireTime: '21000101000000',
      trialToFormal: '1',
    }
    expect((await kooGallery(refresh)).body.resultCode).toBe('000000')
    expect((await kooGallery(refresh)).body.resultCode).toBe('000000')
    expect((await findTenant(instanceId))?.expiresAt).toBe('2100-01-01T00:00:00.000Z')

    for (let i = 0; i < 2; i++)
      expect((await kooGallery({ activity: 'expireInstance', instanceId })).body.resultCode).toBe('000000')
    expect((await findTenant(instanceId))?.status).toBe('frozen')
    const restore = { ...refresh, orderId: 'renew-2', expireTime: '21010101000000' }
    expect((await kooGallery(restore)).body.resultCode).toBe('000000')
    expect((await findTenant(instanceId))?.status).toBe('active')

    for (let i = 0; i < 2; i++)
      expect((await kooGallery({ activity: 'releaseInstance', instanceId })).body.resultCode).toBe('000000')
    expect((await findTenant(instanceId))?.status).toBe('released')
    const afterRelease = await kooGallery({ ...refresh, orderId: 'renew-3' })
    expect(afterRelease.body.resultCode).toBe('000003')
    const query = await kooGallery({ activity: 'queryInstance', instanceId })
    expect(query.body.resultCode).toBe('000003')
  })

  it('answers calls out of order sanely', async () => {
    expect(
      (await kooGallery({ activity: 'releaseInstance', instanceId: 'never-opened' })).body.resultCode,
    ).toBe('000003')
    expect(
      (await kooGallery({ activity: 'expireInstance', instanceId: 'never-opened' })).body.resultCode,
    ).toBe('000003')
    const refresh = {
      activity: 'refreshInstance',
      instanceId: 'never-opened',
      orderId: 'r-x',
      expireTime: '21000101000000',
    }
    expect((await kooGallery(refresh)).body.resultCode).toBe('000003')
  })

  it('upgrades an edition, and refuses one the tenant has outgrown', async () => {
    const opened = await kooGallery(newOrder('kg-up'))
    const instanceId = opened.body.instanceId as string
    const up = await kooGallery({
      activity: 'upgrade',
      instanceId,
      orderId: 'up-1',
      skuCode: 'atrium-general-enterprise',
    })
    expect(up.body.resultCode).toBe('000000')
    expect((await findTenant(instanceId))?.limits.maxMembers).toBe(500)
    await setMemberCount(instanceId, 120)
    const down = await kooGallery({
      activity: 'upgrade',
      instanceId,
      orderId: 'up-2',
      skuCode: 'atrium-general-professional',
    })
    expect(down.body.resultCode).toBe('000005')
    expect(down.body.resultMsg).toContain('PLAN_LIMIT_EXCEEDED')
    expect((await findTenant(instanceId))?.planCode).toBe('general.enterprise')
  })

  it('subscribes a tenant to an app, with seats and expiry, and answers queries', async () => {
    const opened = await kooGallery(newOrder('kg-app'))
    const sub = await kooGallery(
      newOrder('kg-app', { skuCode: 'erp-cloud-20', productId: 'erp-cloud', expireTime: '20990101000000' }),
    )
    expect(sub.body.resultCode).toBe('000000')
    const appInstance = sub.body.instanceId as string
    expect(appInstance.startsWith(`${opened.body.instanceId}.erp-cloud.`)).toBe(true)
    const q = await kooGallery({
      activity: 'queryInstance',
      instanceId: `${opened.body.instanceId},${appInstance},unknown`,
    })
    expect(q.body.resultCode).toBe('000000')
    expect(q.body.info.map((i: { instanceId: string }) => i.instanceId)).toEqual([
      opened.body.instanceId,
      appInstance,
    ])
    expect(q.body.info[0].appInfo.frontEndUrl).toMatch(/\/t\/[a-z0-9-]+\/$/)
    expect((await kooGallery({ activity: 'expireInstance', instanceId: appInstance })).body.resultCode).toBe(
      '000000',
    )
    const renew = {
      activity: 'refreshInstance',
      instanceId: appInstance,
      orderId: 'app-renew',
      expireTime: '21000101000000',
    }
    expect((await kooGallery(renew)).body.resultCode).toBe('000000')
    expect((await kooGallery({ activity: 'releaseInstance', instanceId: appInstance })).body.resultCode).toBe(
      '000000',
    )
    const noWorkbench = await kooGallery(newOrder('kg-nobody', { skuCode: 'crm-pro-20' }))
    expect(noWorkbench.body.resultCode).toBe('000005')
    const tooMany = await kooGallery({
      activity: 'queryInstance',
      instanceId: Array.from({ length: 101 }, (_, i) => `i${i}`).join(','),
    })
    expect(tooMany.body.resultCode).toBe('000002')
  })

  it("tries an app on its sku's trial, then keeps it when it is ordered; a sku without a trial refuses one", async () => {
    const opened = await kooGallery(newOrder('kg-trial'))
    const tenant = await findTenant(opened.body.instanceId)
    const order = (skuCode: string) => {
      const { expireTime: _, ...withoutEnd } = newOrder('kg-trial', {
        skuCode,
        productId: 'erp-cloud',
        trialFlag: '1',
      })
      return withoutEnd
    }
    expect((await kooGallery(order('erp-cloud-100'))).body).toMatchObject({
      resultCode: '000002',
      resultMsg: expect.stringContaining('offers no trial'),
    })
    const tried = await kooGallery(order('erp-cloud-20'))
    expect(tried.body.resultCode).toBe('000000')
    const onTrial = await getTenantApp(tenant?.tenantId as string, 'erp-cloud')
    expect(onTrial).toMatchObject({ status: 'active', trial: true, seats: 20 })
    // the sku's 30 days, when the marketplace names no end
    const days = (Date.parse(onTrial?.expiresAt as string) - Date.now()) / DAY
    expect(days).toBeGreaterThan(29)
    expect(days).toBeLessThanOrEqual(30)
    const ordered = await kooGallery({
      activity: 'refreshInstance',
      instanceId: tried.body.instanceId,
      orderId: 'kg-trial-ordered',
      expireTime: '20990101000000',
      trialToFormal: '1',
    })
    expect(ordered.body.resultCode).toBe('000000')
    expect(await getTenantApp(tenant?.tenantId as string, 'erp-cloud')).toMatchObject({
      trial: false,
      expiresAt: '2099-01-01T00:00:00.000Z',
    })
  })

  it('refuses an order of an edition no longer sold with 000005, and opens nothing', async () => {
    const { code: _, ...enterprise } = (await getPlan('general.enterprise')) as Plan
    await putPlan('general.enterprise', { ...enterprise, retired: true })
    try {
      const refused = await kooGallery(newOrder('kg-retired', { skuCode: 'atrium-general-enterprise' }))
      expect([refused.body.resultCode, refused.body.resultMsg]).toEqual([
        '000005',
        expect.stringContaining('PLAN_RETIRED'),
      ])
      expect(await tenantIdByCustomer('kg-retired')).toBeUndefined()
    } finally {
      await putPlan('general.enterprise', { ...enterprise, retired: false })
    }
  })

  it("refuses an app its industry's store does not offer with 000005", async () => {
    await kooGallery(newOrder('kg-store'))
    const office = (await getIndustry('office')) as Industry
    await setStoreApps(office, ['crm-pro'])
    try {
      const refused = await kooGallery(
        newOrder('kg-store', { skuCode: 'erp-cloud-20', productId: 'erp-cloud' }),
      )
      expect([refused.body.resultCode, refused.body.resultMsg]).toEqual([
        '000005',
        expect.stringContaining('not offered'),
      ])
      const offered = await kooGallery(newOrder('kg-store', { skuCode: 'crm-pro-20', productId: 'crm-pro' }))
      expect(offered.body.resultCode).toBe('000000')
    } finally {
      await setStoreApps(office, ['crm-pro', 'erp-cloud'])
    }
  })

  it('seats follow a lapsed app bought again with fewer seats: the latest seated wait for one', async () => {
    const opened = await kooGallery(newOrder('kg-seats'))
    const tenant = await findTenant(opened.body.instanceId)
    if (!tenant) throw new Error('no tenant')
    const buy = (skuCode: string) => kooGallery(newOrder('kg-seats', { skuCode, productId: 'erp-cloud' }))
    const big = await buy('erp-cloud-100')
    const members = await addBareMembers(tenant, 25)
    const none = { departments: [], groups: [], deny: { members: [], departments: [] } }
    const ctx = systemContext({ ...scopeOf(tenant.tenantId), code: tenant.code }, 'test')
    await grantApp(ctx, 'erp-cloud', { members, ...none })
    await kooGallery({ activity: 'releaseInstance', instanceId: big.body.instanceId })
    expect((await buy('erp-cloud-20')).body.resultCode).toBe('000000')
    const holders = (state: 'entitled' | 'waiting') =>
      listEntitled(scopeOf(tenant.tenantId), 'erp-cloud', { state, limit: 100 })
    expect([(await holders('entitled')).items.length, (await holders('waiting')).items.length]).toEqual([
      20, 5,
    ])
    expect(await getTenantApp(tenant.tenantId, 'erp-cloud')).toMatchObject({ seats: 20, seatsHeld: 20 })
  })

  it('keeps a free basic workbench usable while an app it bought runs; it freezes when the last one ends', async () => {
    const opened = await kooGallery(
      newOrder('kg-free', { skuCode: 'atrium-general-basic', productId: 'atrium-general', trialFlag: '1' }),
    )
    expect(opened.body.resultCode).toBe('000000')
    const tenantId = opened.body.instanceId as string
    const buy = async (skuCode: string, expireTime: string) =>
      (
        await kooGallery(
          newOrder('kg-free', { skuCode, productId: skuCode.replace(/-\d+$/, ''), expireTime }),
        )
      ).body.instanceId as string
    const erp = await buy('erp-cloud-20', '20990101000000')
    const crm = await buy('crm-pro-20', '20980101000000')
    // the edition's own six months end; the apps run on
    advanceClock(200 * DAY)
    await runLifecycle()
    expect(await findTenant(tenantId)).toMatchObject({
      status: 'active',
      keptOpenUntil: '2099-01-01T00:00:00.000Z',
    })
    // the later app goes early: the other keeps it open until its own end
    await kooGallery({ activity: 'releaseInstance', instanceId: erp })
    expect(await findTenant(tenantId)).toMatchObject({
      status: 'active',
      keptOpenUntil: '2098-01-01T00:00:00.000Z',
    })
    await kooGallery({ activity: 'releaseInstance', instanceId: crm })
    expect(await findTenant(tenantId)).toMatchObject({ status: 'frozen', frozenReason: 'expired' })
    expect((await findTenant(tenantId))?.keptOpenUntil).toBeUndefined()
  })

  it('freezes a paid edition at its own end, whatever apps it bought', async () => {
    const opened = await kooGallery(newOrder('kg-paid', { expireTime: '20270101000000' }))
    const tenantId = opened.body.instanceId as string
    await kooGallery(
      newOrder('kg-paid', { skuCode: 'erp-cloud-20', productId: 'erp-cloud', expireTime: '20990101000000' }),
    )
    advanceClock(Date.parse('2027-01-02T00:00:00Z') - Date.now())
    await runLifecycle()
    expect(await findTenant(tenantId)).toMatchObject({ status: 'frozen', frozenReason: 'expired' })
  })
})
