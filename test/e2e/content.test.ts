import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { api } from '../support/http.js'
import { startOffline, type TestApi } from '../support/offline.js'

const doc = (text: string) => ({ blocks: [{ type: 'heading', level: 2, content: [{ text, bold: true }] }] })

describe('news and announcements over HTTP (serverless-offline, the stream consumers running)', () => {
  let stack: TestApi
  let http: ReturnType<typeof api>

  beforeAll(async () => {
    stack = await startOffline({}, { stream: true })
    http = api(stack.baseUrl)
  }, 240_000)

  afterAll(async () => {
    await stack?.stop()
  })

  it('publishes news at three levels into one feed and delivers an announcement that members mark read', async () => {
    const { platformToken, officeToken } = await platformFixture()
    const t = await openTenant(platformToken, { industry: 'office', planCode: 'general.professional' })
    const plant = await openTenant(platformToken, {
      industry: 'industrial',
      planCode: 'industrial.professional-basic',
    })
    const publish = async (token: string, level: string, title: string) => {
      const cat = await http.request('POST', `/v1/${level}/news-categories`, { token, body: { name: title } })
      expect(cat.status).toBe(201)
      const news = await http.request('POST', `/v1/${level}/news`, {
        token,
        body: { categoryId: (cat.body as { categoryId: string }).categoryId, title, body: doc(title) },
      })
      expect(news.status).toBe(201)
      const id = (news.body as { newsId: string }).newsId
      expect((await http.request('POST', `/v1/${level}/news/${id}/publish`, { token })).status).toBe(200)
      return id
    }
    await publish(platformToken, 'platform', 'Unified')
    await publish(officeToken, 'industry', 'Office')
    const mine = await publish(t.accessToken, 'tenant', 'Ours')
    const m = await addPlainMember(t.tenant)
    const { accessToken } = await login(m.identifier, m.password, { tenantCode: t.tenant.code })
    const feed = await http.request('GET', '/v1/me/feed', { token: accessToken })
    expect(feed.status).toBe(200)
    expect((feed.body as { items: { title: string }[] }).items.map((i) => i.title)).toEqual([
      'Ours',
      'Office',
      'Unified',
    ])
    const item = await http.request('GET', `/v1/news/${mine}`, { token: accessToken })
    expect((item.body as { html: string }).html).toBe('<h2><strong>Ours</strong></h2>')

    const pm = await addPlainMember(plant.tenant)
    const plantMember = (await login(pm.identifier, pm.password, { tenantCode: plant.tenant.code }))
      .accessToken
    const created = await http.request('POST', '/v1/tenant/announcements', {
      token: plant.accessToken,
      body: { title: 'Shift change', body: doc('Monday'), strongReminder: true },
    })
    const id = (created.body as { announcementId: string }).announcementId
    expect(
      (await http.request('POST', `/v1/tenant/announcements/${id}/publish`, { token: plant.accessToken }))
        .status,
    ).toBe(200)
    await stack.drain()
    const unread = await http.request('GET', '/v1/me/announcements?unread=true', { token: plantMember })
    expect(unread.body).toMatchObject({
      unreadCount: 1,
      items: [{ announcementId: id, strongReminder: true }],
    })
    expect((await http.request('POST', `/v1/announcements/${id}/read`, { token: plantMember })).status).toBe(
      200,
    )
    const reads = await http.request('GET', `/v1/tenant/announcements/${id}/reads?state=read`, {
      token: plant.accessToken,
    })
    expect(reads.body).toMatchObject({
      counts: { recipients: 2, read: 1, unread: 1 },
      items: [{ memberId: pm.accountId }],
    })
    // the other tenant's member cannot see it
    expect((await http.request('GET', `/v1/announcements/${id}`, { token: accessToken })).status).toBe(404)
  })
})
