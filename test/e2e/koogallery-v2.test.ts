import { findTenant, tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { setMemberCount } from '../support/bare-members.js'
import { platformFixture } from '../support/fixtures.js'
import {
  bodyV2,
  expectedBodySign,
  orderBook,
  signedQueryV2,
  useKooGalleryOpenApi,
} from '../support/koogallery.js'
import { startOffline, type TestApi } from '../support/offline.js'

const book = orderBook()
const openApi = useKooGalleryOpenApi(book)
let api: TestApi

beforeAll(async () => {
  api = await startOffline({ KOOGALLERY_OPENAPI_URL: openApi.url() })
  await platformFixture()
})

afterAll(async () => {
  await api?.stop()
})

/** One V2 call over HTTP, as KooGallery makes it; every answer is a 200 with Body-Sign over its bytes. */
const v2 = async (fields: Record<string, unknown>) => {
  const body = bodyV2(fields)
  const query = new URLSearchParams(signedQueryV2(body))
  const res = await fetch(`${api.baseUrl}/v1/marketplace/koogallery/v2?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=utf8', accept: 'application/json' },
    body,
  })
  const text = await res.text()
  expect(res.status).toBe(200)
  expect(res.headers.get('body-sign')).toBe(expectedBodySign(process.env.KOOGALLERY_KEY as string, text))
  return JSON.parse(text)
}

describe('KooGallery V2 over HTTP', () => {
  it('runs an instance from order to release, every answer signed', async () => {
    const { orderId, orderLineId } = book.place({
      customerId: 'e2e-v2',
      skuCode: 'atrium-general-professional',
    })
    const opened = await v2({ activity: 'newInstance', orderId, orderLineId, businessId: 'e2e-v2-biz' })
    expect(['000000', '000004']).toContain(opened.resultCode)
    const instanceId = opened.instanceId as string
    expect(instanceId).toBe('e2e-v2-biz')
    let query = await v2({ activity: 'queryInstance', instanceId })
    for (let i = 0; i < 5 && query.resultCode === '000004'; i++)
      query = await v2({ activity: 'queryInstance', instanceId })
    expect(query.resultCode).toBe('000000')
    const { userName, password, frontEndUrl } = query.info[0].appInfo
    const login = await fetch(`${api.baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: userName, password }),
    })
    expect(login.status).toBe(200)
    expect(frontEndUrl).toMatch(/\/t\/[a-z0-9-]+\/$/)
    const tenantId = (await tenantIdByCustomer('e2e-v2')) as string

    const refresh = (scene: string, expireTime: string) => {
      const line = book.place({
        customerId: 'e2e-v2',
        skuCode: 'atrium-general-professional',
        orderType: 'RENEW',
      })
      return v2({ activity: 'refreshInstance', scene, instanceId, expireTime, ...line })
    }
    expect((await refresh('RENEWAL', '21000101000000')).resultCode).toBe('000000')
    expect((await refresh('UNSUBSCRIBE_RENEWAL_PERIOD', '20990101000000')).resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.expiresAt).toBe('2099-01-01T00:00:00.000Z')
    expect((await v2({ activity: 'updateInstanceStatus', instanceId, status: 'FREEZE' })).resultCode).toBe(
      '000000',
    )
    expect((await findTenant(tenantId))?.status).toBe('frozen')
    expect((await v2({ activity: 'updateInstanceStatus', instanceId, status: 'UNFREEZE' })).resultCode).toBe(
      '000000',
    )
    expect((await findTenant(tenantId))?.status).toBe('active')
    const change = book.place({
      customerId: 'e2e-v2',
      skuCode: 'atrium-general-enterprise',
      orderType: 'CHANGE',
    })
    expect((await v2({ activity: 'upgradeInstance', instanceId, ...change })).resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.planCode).toBe('general.enterprise')
    await setMemberCount(tenantId, 120)
    const check = await v2({
      activity: 'changeInstanceCheck',
      instanceId,
      productInfo: { productId: 'atrium', skuCode: 'atrium-general-professional', productName: 'Atrium' },
    })
    expect(check.resultCode).toBe('000005')
    expect((await v2({ activity: 'releaseInstance', instanceId })).resultCode).toBe('000000')
    expect((await findTenant(tenantId))?.status).toBe('released')
    expect((await v2({ activity: 'queryInstance', instanceId })).resultCode).toBe('000003')
  })
})
