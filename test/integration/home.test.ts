import { handler as apps } from '../../functions/apps/handler.js'
import { handler as content } from '../../functions/content/handler.js'
import { handler as portal } from '../../functions/portal/handler.js'
import { dynamoRequestCount } from '../../lib/core/db/client.js'
import { HOME_NEWS } from '../../lib/home/schemas.js'
import { addBareMembers } from '../support/bare-members.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useLocalStreams } from '../support/streams.js'

const table = useTestTable({ stream: true })
const streams = useLocalStreams(table)

type Tenant = Awaited<ReturnType<typeof openTenant>>
const doc = (text: string) => ({ blocks: [{ type: 'paragraph', content: [{ text }] }] })

const post = (token: string, path: string, body?: unknown) => call(content, 'POST', path, { token, body })

/** News published at a level, in a category of its own unless one is given. */
const publishNews = async (token: string, level: string, title: string, categoryId?: string) => {
  const category =
    categoryId ??
    (await post(token, `/v1/${level}/news-categories`, { name: `${title} category` })).body.categoryId
  const created = await post(token, `/v1/${level}/news`, { categoryId: category, title, body: doc(title) })
  expect(created.status).toBe(201)
  expect((await post(token, `/v1/${level}/news/${created.body.newsId}/publish`)).status).toBe(200)
  return category as string
}

const announce = async (token: string, level: string, title: string) => {
  const created = await post(token, `/v1/${level}/announcements`, { title, body: doc(title) })
  expect(created.status).toBe(201)
  expect(
    (await post(token, `/v1/${level}/announcements/${created.body.announcementId}/publish`)).status,
  ).toBe(200)
  return created.body.announcementId as string
}

const memberOf = async (t: Tenant) => {
  const m = await addPlainMember(t.tenant)
  const { accessToken } = await login(m.identifier, m.password, { tenantCode: t.tenant.code })
  return accessToken as string
}

const home = async (token: string) => {
  const before = dynamoRequestCount()
  const res = await call(portal, 'GET', '/v1/me/home', { token })
  return { ...res, requests: dynamoRequestCount() - before }
}

describe('GET /v1/me/home: the home page in one call', () => {
  let platformToken: string
  let officeToken: string
  let a: Tenant
  let b: Tenant
  let memberA: string
  let memberB: string
  let categoryA: string

  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
    // an industrial edition has announcements of its own; b is an office tenant
    a = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.professional-basic' })
    b = await openTenant(platformToken, { industry: 'office' })
    memberA = await memberOf(a)
    memberB = await memberOf(b)
    await publishNews(platformToken, 'platform', 'Unified news')
    await publishNews(officeToken, 'industry', 'Office news')
    categoryA = await publishNews(a.accessToken, 'tenant', 'A news')
    await publishNews(b.accessToken, 'tenant', 'B news')
    await announce(platformToken, 'platform', 'Unified notice')
    await announce(a.accessToken, 'tenant', 'A notice')
    await streams.settle()
  })

  it("gathers the member's apps, news, unread announcements and portal, and nothing of another tenant or industry", async () => {
    const res = await home(memberA)
    expect(res.status).toBe(200)
    expect(res.body.news.items.map((i: { title: string }) => i.title)).toEqual(['A news', 'Unified news'])
    expect(res.body.announcements.unreadCount).toBe(2)
    expect(res.body.announcements.items.map((i: { title: string }) => i.title).sort()).toEqual([
      'A notice',
      'Unified notice',
    ])
    expect(res.body.schedule).toEqual({ date: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), events: [] })
    expect(res.body.todos).toEqual({ items: [], count: 0 })
    // the same apps and portal as their own endpoints give
    expect(res.body.apps).toEqual((await call(apps, 'GET', '/v1/me/apps', { token: memberA })).body)
    expect(res.body.portal).toEqual(
      (await call(portal, 'GET', '/v1/me/portal', { token: memberA, query: { channel: 'web' } })).body,
    )

    const other = await home(memberB)
    expect(other.body.news.items.map((i: { title: string }) => i.title)).toEqual([
      'B news',
      'Office news',
      'Unified news',
    ])
    expect(other.body.announcements.items.map((i: { title: string }) => i.title)).toEqual(['Unified notice'])

    // reading one takes it off the count at once
    const read = res.body.announcements.items[0].announcementId
    expect((await post(memberA, `/v1/announcements/${read}/read`)).status).toBe(200)
    expect((await home(memberA)).body.announcements.unreadCount).toBe(1)
  })

  it('costs the same few DynamoDB requests however many news items, announcements and members there are', async () => {
    const first = await home(memberA)
    // the session check, the entitlements and the unread page, one batch of the rest
    expect(first.requests).toBe(4)
    for (let i = 0; i < 12; i++) await publishNews(a.accessToken, 'tenant', `More ${i}`, categoryA)
    for (let i = 0; i < 4; i++) await announce(a.accessToken, 'tenant', `Notice ${i}`)
    await addBareMembers(a.tenant, 150)
    await streams.settle()
    const later = await home(memberA)
    expect(later.body.news.items).toHaveLength(HOME_NEWS)
    expect(later.body.announcements.unreadCount).toBe(5)
    expect(later.requests).toBe(first.requests)
  })

  it('is for members of a tenant: no token is a 401, a platform administrator a 403', async () => {
    expect((await call(portal, 'GET', '/v1/me/home', {})).status).toBe(401)
    expect((await call(portal, 'GET', '/v1/me/home', { token: platformToken })).status).toBe(403)
  })
})
