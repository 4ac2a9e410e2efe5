import { handler as auth } from '../../functions/auth/handler.js'
import { handler as marketplace } from '../../functions/marketplace/handler.js'
import { findTenant, tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { setMemberCount } from '../support/bare-members.js'
import { useTestTable } from '../support/dynamo.js'
import { platformFixture } from '../support/fixtures.js'
import {
  bodyV2,
  expectedBodySign,
  kooGalleryV2,
  orderBook,
  signedQueryV2,
  useKooGalleryOpenApi,
} from '../support/koogallery.js'
import { call } from '../support/lambda.js'

useTestTable()

const book = orderBook()
useKooGalleryOpenApi(book)
const key = () => process.env.KOOGALLERY_KEY as string

const buy = (
  customerId: string,
  extra: { skuCode?: string; orderType?: string; expireTime?: string } = {},
) => {
  const { orderId, orderLineId } = book.place({
    customerId,
    skuCode: extra.skuCode ?? 'atrium-general-professional',
    ...extra,
  })
  return { activity: 'newInstance', orderId, orderLineId, businessId: `biz-${orderId}` }
}

/** Every answer is HTTP 200 with a Body-Sign over its exact bytes. */
const v2 = async (...args: Parameters<typeof kooGalleryV2>) => {
  const res = await kooGalleryV2(...args)
  expect(res.status).toBe(200)
  expect(res.headers['Body-Sign']).toBe(expectedBodySign(key(), res.rawBody))
  return res
}

describe('KooGallery SaaS production interface V2', () => {
  beforeAll(async () => {
    await platformFixture()
  })

  it('opens the order it reads from the open API, and hands the credentials over in queryInstance', async () => {
    const order = buy('kg2-1')
    const opened = await v2(order)
    expect(opened.body).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId: order.businessId })
    const q = await v2({ activity: 'queryInstance', instanceId: order.businessId })
    expect(q.body.resultCode).toBe('000000')
    const appInfo = q.body.info[0].appInfo
    expect(appInfo.frontEndUrl).toMatch(/^http.*\/t\/[a-z0-9-]+\/$/)
    const login = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: appInfo.userName, password: appInfo.password },
    })
    expect(login.status).toBe(200)
    expect(login.body.mustChangePassword).toBe(true)
    expect(await tenantIdByCustomer('kg2-1')).toBeDefined()
  })

  it('answers 000004 while the order cannot be read, and the poll finishes the opening', async () => {
    const order = {
      activity: 'newInstance',
      orderId: 'LATER-1',
      orderLineId: 'LATER-1-000001',
      businessId: 'biz-later',
    }
    const first = await v2(order)
    expect(first.body).toMatchObject({ resultCode: '000004', instanceId: 'biz-later' })
    const pending = await v2({ activity: 'queryInstance', instanceId: 'biz-later' })
    expect(pending.body).toMatchObject({ resultCode: '000004', info: [{ instanceId: 'biz-later' }] })
    // the marketplace's order becomes readable: the next poll opens it
    book.place({ customerId: 'kg2-later', skuCode: 'atrium-general-professional', orderId: 'LATER-1' })
    const ready = await v2({ activity: 'queryInstance', instanceId: 'biz-later' })
    expect(ready.body.resultCode).toBe('000000')
    expect(ready.body.info[0].appInfo.userName).toMatch(/^admin@/)
    // a redelivery carries a new businessId: same instance, nothing opened twice
    const redelivered = await v2({ ...order, businessId: 'biz-later-2' })
    expect(redelivered.body).toMatchObject({ resultCode: '000000', instanceId: 'biz-later' })
    expect(await tenantIdByCustomer('kg2-later')).toBeDefined()
  })

  it('never opens an instance released while its order could not be read yet', async () => {
    const order = {
      activity: 'newInstance',
      orderId: 'GONE-1',
      orderLineId: 'GONE-1-000001',
      businessId: 'biz-gone',
    }
    expect((await v2(order)).body.resultCode).toBe('000004')
    expect((await v2({ activity: 'releaseInstance', instanceId: 'biz-gone' })).body.resultCode).toBe('000000')
    // the order becomes readable: neither a poll nor a redelivery opens it now
    book.place({ customerId: 'kg2-gone', skuCode: 'atrium-general-professional', orderId: 'GONE-1' })
    expect((await v2({ activity: 'queryInstance', instanceId: 'biz-gone' })).body.resultCode).toBe('000003')
    await v2({ ...order, businessId: 'biz-gone-2' })
    expect(await tenantIdByCustomer('kg2-gone')).toBeUndefined()
    // a repeat of the release still succeeds
    expect((await v2({ activity: 'releaseInstance', instanceId: 'biz-gone' })).body.resultCode).toBe('000000')
  })

  it('answers 50 concurrent duplicate deliveries with one instance id and one tenant', async () => {
    const order = buy('kg2-dup')
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => v2({ ...order, businessId: `${order.businessId}-${i}` })),
    )
    const ids = new Set(results.map((r) => r.body.instanceId))
    expect(ids.size).toBe(1)
    expect(new Set(results.map((r) => r.body.resultCode))).toEqual(new Set(['000000']))
    const tenantId = await tenantIdByCustomer('kg2-dup')
    expect(tenantId).toBeDefined()
    const q = await v2({ activity: 'queryInstance', instanceId: [...ids][0] })
    const passwords = new Set([q.body.info[0].appInfo.password])
    const q2 = await v2({ activity: 'queryInstance', instanceId: [...ids][0] })
    passwords.add(q2.body.info[0].appInfo.password)
    expect(passwords.size).toBe(1)
  })

  it.each([
    ['a stale timestamp', () => ({ timestamp: String(Date.now() - 90_000) }), '000002'],
    ['a future timestamp', () => ({ timestamp: String(Date.now() + 90_000) }), '000002'],
    ['a timestamp in seconds', () => ({ timestamp: String(Math.floor(Date.now() / 1000)) }), '000002'],
    ['a wrong key', () => ({ key: 'not-the-merchant-key' }), '000001'],
    ['a tampered body', () => ({ body: (b: string) => b.replace('biz-', 'biz-evil-') }), '000001'],
  ])('refuses %s and writes nothing', async (name, options, code) => {
    const customer = `kg2-bad-${name.replace(/\W/g, '')}`
    const res = await v2(buy(customer), options())
    expect(res.body.resultCode).toBe(code)
    expect(await tenantIdByCustomer(customer)).toBeUndefined()
  })

  it('refuses a replayed nonce, even after the first call succeeded', async () => {
    const order = buy('kg2-replay')
    const first = await v2(order, { nonce: 'REPLAYED-NONCE-1' })
    expect(first.body.resultCode).toBe('000000')
    const replay = await v2(order, { nonce: 'REPLAYED-NONCE-1' })
    expect(replay.body.resultCode).toBe('000001')
  })

  it('accepts the canonical form of a body sent with its keys in another order, and hex in lower case', async () => {
    const order = buy('kg2-order')
    const raw = JSON.stringify({
      orderLineId: order.orderLineId,
      activity: 'newInstance',
      businessId: order.businessId,
      orderId: order.orderId,
    })
    const query = signedQueryV2(bodyV2(order))
    const res = await call(marketplace, 'POST', '/v1/marketplace/koogallery/v2', {
      query: { ...query, signature: query.signature.toLowerCase() },
      rawBody: raw,
    })
    expect(res.body.resultCode).toBe('000000')
  })

  it.each([
    ['a missing orderLineId', { activity: 'newInstance', orderId: 'x', businessId: 'b' }, 'orderLineId'],
    ['an unknown activity', { activity: 'explode' }, 'activity'],
    [
      'an unknown scene',
      {
        activity: 'refreshInstance',
        scene: 'NOPE',
        orderId: 'o',
        orderLineId: 'l',
        instanceId: 'i',
        expireTime: '20991231000000',
      },
      'scene',
    ],
    [
      'a garbled expireTime',
      {
        activity: 'refreshInstance',
        scene: 'RENEWAL',
        orderId: 'o',
        orderLineId: 'l',
        instanceId: 'i',
        expireTime: '2099-12-31',
      },
      'expireTime',
    ],
    [
      '101 instance ids',
      { activity: 'queryInstance', instanceId: Array.from({ length: 101 }, (_, i) => `i${i}`).join(',') },
      'instanceId',
    ],
  ])('answers 000002 naming the field for %s', async (_name, fields, field) => {
    const res = await v2(fields)
    expect(res.body.resultCode).toBe('000002')
    expect(res.body.resultMsg).toContain(field)
  })

  it('answers a body that is not JSON, or none, with 000002 and never a 500', async () => {
    for (const raw of ['not json', '', '[]']) {
      const res = await call(marketplace, 'POST', '/v1/marketplace/koogallery/v2', {
        query: signedQueryV2(raw),
        rawBody: raw,
      })
      expect([res.status, res.body.resultCode]).toEqual([200, '000002'])
    }
    const bare = await call(marketplace, 'POST', '/v1/marketplace/koogallery/v2', {})
    expect([bare.status, bare.body.resultCode]).toEqual([200, '000001'])
  })

  it('runs the life of an instance: renewals, freeze, unfreeze, a refused change, release', async () => {
    const order = buy('kg2-life', { skuCode: 'atrium-general-professional', expireTime: '20990101000000' })
    const instanceId = (await v2(order)).body.instanceId as string
    const tenantId = (await tenantIdByCustomer('kg2-life')) as string
    const refresh = (scene: string, expireTime: string, orderId = `R-${scene}`) => ({
      activity: 'refreshInstance',
      scene,
      orderId,
      orderLineId: `${orderId}-000001`,
      instanceId,
      expireTime,
    })
    for (let i = 0; i < 2; i++)
      expect((await v2(refresh('RENEWAL', '21000101000000'))).body).toMatchObject({
        resultCode: '000000',
        instanceId,
      })
    expect((await findTenant(tenantId))?.expiresAt).toBe('2100-01-01T00:00:00.000Z')
    expect((await v2(refresh('UNSUBSCRIBE_RENEWAL_PERIOD', '20990101000000'))).body.resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.expiresAt).toBe('2099-01-01T00:00:00.000Z')

    const status = (s: string) => v2({ activity: 'updateInstanceStatus', instanceId, status: s })
    for (let i = 0; i < 2; i++) expect((await status('FREEZE')).body.resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.status).toBe('frozen')
    for (let i = 0; i < 2; i++) expect((await status('UNFREEZE')).body.resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.status).toBe('active')

    const up = book.place({
      customerId: 'kg2-life',
      skuCode: 'atrium-general-enterprise',
      orderType: 'CHANGE',
    })
    expect((await v2({ activity: 'upgradeInstance', instanceId, ...up })).body.resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.planCode).toBe('general.enterprise')
    await setMemberCount(tenantId, 120)
    const check = await v2({
      activity: 'changeInstanceCheck',
      instanceId,
      productInfo: { productId: 'atrium', skuCode: 'atrium-general-professional', productName: 'Atrium' },
    })
    expect(check.body.resultCode).toBe('000005')
    expect(check.body.resultMsg).toContain('PLAN_LIMIT_EXCEEDED')

    for (let i = 0; i < 2; i++)
      expect((await v2({ activity: 'releaseInstance', instanceId })).body.resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.status).toBe('released')
    expect((await v2({ activity: 'queryInstance', instanceId })).body.resultCode).toBe('000003')
    expect((await v2(refresh('RENEWAL', '21010101000000', 'R-after'))).body.resultCode).toBe('000003')
    expect((await status('FREEZE')).body.resultCode).toBe('000003')
  })

  it('converts a trial, and refuses a second free trial with 000103', async () => {
    const trial = buy('kg2-trial', { skuCode: 'atrium-general-basic', orderType: 'TRIAL' })
    const instanceId = (await v2(trial)).body.instanceId as string
    const tenantId = (await tenantIdByCustomer('kg2-trial')) as string
    expect((await findTenant(tenantId))?.trial).toBe(true)
    await v2({ activity: 'releaseInstance', instanceId })
    const again = buy('kg2-trial', { skuCode: 'atrium-general-basic', orderType: 'TRIAL' })
    expect((await v2(again)).body.resultCode).toBe('000103')
    const paid = buy('kg2-paid', { orderType: 'TRIAL' })
    const paidId = (await v2(paid)).body.instanceId as string
    const formal = await v2({
      activity: 'refreshInstance',
      scene: 'TRIAL_TO_FORMAL',
      orderId: 'TTF-1',
      orderLineId: 'TTF-1-000001',
      instanceId: paidId,
      expireTime: '20991231000000000',
    })
    expect(formal.body.resultCode).toBe('000000')
    expect((await findTenant((await tenantIdByCustomer('kg2-paid')) as string))?.trial).toBe(false)
  })
})
