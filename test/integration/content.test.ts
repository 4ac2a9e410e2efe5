import { executeTransactWrite } from 'dynamodb-toolbox'
import { handler as content } from '../../functions/content/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { markRead, myAnnouncements } from '../../lib/content/announcements.js'
import type { MemberContext } from '../../lib/content/audience.js'
import { latestNews } from '../../lib/content/feed.js'
import { mapLimit } from '../../lib/core/concurrency.js'
import { newId } from '../../lib/core/ids.js'
import { trustedTenantId } from '../../lib/core/tenancy.js'
import { putMembership } from '../../lib/identity/accounts.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useLocalStreams } from '../support/streams.js'

const table = useTestTable({ stream: true })
const streams = useLocalStreams(table)

type Tenant = Awaited<ReturnType<typeof openTenant>>
const doc = (text: string) => ({ blocks: [{ type: 'paragraph', content: [{ text }] }] })

const as = (token: string) => ({
  get: (path: string, query?: Record<string, string>) => call(content, 'GET', path, { token, query }),
  post: (path: string, body?: unknown) => call(content, 'POST', path, { token, body }),
  patch: (path: string, body: unknown) => call(content, 'PATCH', path, { token, body }),
  del: (path: string) => call(content, 'DELETE', path, { token }),
})

/** A category and a news item in it, published (unless `draft`), at a level. */
const publishNews = async (
  token: string,
  level: string,
  title: string,
  options: { categoryId?: string; pinned?: boolean; draft?: boolean } = {},
) => {
  const api = as(token)
  const categoryId =
    options.categoryId ??
    (await api.post(`/v1/${level}/news-categories`, { name: `${title} category` })).body.categoryId
  const created = await api.post(`/v1/${level}/news`, {
    categoryId,
    title,
    summary: `${title} summary`,
    body: doc(title),
    pinned: options.pinned ?? false,
  })
  expect(created.status).toBe(201)
  if (!options.draft)
    expect((await api.post(`/v1/${level}/news/${created.body.newsId}/publish`)).status).toBe(200)
  return { newsId: created.body.newsId as string, categoryId: categoryId as string }
}

const memberOf = async (t: Tenant) => {
  const m = await addPlainMember(t.tenant)
  const { accessToken } = await login(m.identifier, m.password, { tenantCode: t.tenant.code })
  return { ...m, token: accessToken as string }
}

const titles = (res: { body: { items: { title: string }[] } }) => res.body.items.map((i) => i.title)

describe('news: three levels, categories, feed', () => {
  let platformToken: string
  let officeToken: string
  let a: Tenant
  let b: Tenant
  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
    a = await openTenant(platformToken, { industry: 'office' })
    b = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.professional-basic' })
  })

  it('shows a member their platform, industry and tenant news only, pinned first, drafts and withdrawn never', async () => {
    const unified = await publishNews(platformToken, 'platform', 'Unified')
    await publishNews(officeToken, 'industry', 'Office news')
    const mine = await publishNews(a.accessToken, 'tenant', 'A news')
    await publishNews(a.accessToken, 'tenant', 'A draft', { categoryId: mine.categoryId, draft: true })
    const pinned = await publishNews(a.accessToken, 'tenant', 'A pinned', {
      categoryId: mine.categoryId,
      pinned: true,
    })
    const other = await publishNews(b.accessToken, 'tenant', 'B news')
    const ma = await memberOf(a)
    const mb = await memberOf(b)

    const feedA = await as(ma.token).get('/v1/me/feed')
    expect(feedA.status).toBe(200)
    expect(titles(feedA)).toEqual(['A pinned', 'A news', 'Office news', 'Unified'])
    expect(feedA.body.items[0]).toMatchObject({ level: 'tenant', pinned: true, summary: 'A pinned summary' })
    expect(titles(await as(mb.token).get('/v1/me/feed'))).toEqual(['B news', 'Unified'])

    // the item view holds to the same rules: another tenant's id is a 404, a draft too
    expect((await as(ma.token).get(`/v1/news/${pinned.newsId}`)).body.html).toBe('<p>A pinned</p>')
    expect((await as(ma.token).get(`/v1/news/${unified.newsId}`)).status).toBe(200)
    expect((await as(ma.token).get(`/v1/news/${other.newsId}`)).status).toBe(404)
    expect((await as(a.accessToken).get(`/v1/tenant/news/${other.newsId}`)).status).toBe(404)
    expect((await as(a.accessToken).post(`/v1/tenant/news/${other.newsId}/publish`)).status).toBe(404)

    // withdraw: gone from the feed, the item view and the head; pin order follows a change of pin
    expect((await as(a.accessToken).post(`/v1/tenant/news/${pinned.newsId}/withdraw`)).status).toBe(200)
    expect((await as(ma.token).get(`/v1/news/${pinned.newsId}`)).status).toBe(404)
    await as(platformToken).patch(`/v1/platform/news/${unified.newsId}`, { pinned: true })
    expect(titles(await as(ma.token).get('/v1/me/feed'))).toEqual(['Unified', 'A news', 'Office news'])
    const ctx: MemberContext = {
      tenant: { tenantId: trustedTenantId(a.tenant.tenantId) },
      industry: 'office',
      memberId: ma.accountId,
      roles: [],
      departmentIds: [],
    }
    const latest = await streams.counted(() => latestNews(ctx, 2))
    expect([latest.requests, latest.value.map((i) => i.title)]).toEqual([1, ['Unified', 'A news']])
    // the admin's list has drafts
    expect(titles(await as(a.accessToken).get('/v1/tenant/news'))).toEqual(
      expect.arrayContaining(['A draft', 'A news', 'A pinned']),
    )
  })

  it('holds category visibility (groups, departments below, roles) in the feed and the item view', async () => {
    const t = await openTenant(platformToken, { industry: 'education' })
    const admin = as(t.accessToken)
    const dir = (method: string, path: string, body: unknown) =>
      call(directory, method, path, { token: t.accessToken, body })
    const parent = (await dir('POST', '/v1/departments', { name: 'Plant' })).body.deptId
    const child = (await dir('POST', '/v1/departments', { name: 'Line 1', parentId: parent })).body.deptId
    const group = (await dir('POST', '/v1/groups', { name: 'Readers' })).body.groupId
    const inGroup = await memberOf(t)
    const inChild = await memberOf(t)
    const outsider = await memberOf(t)
    await dir('POST', `/v1/groups/${group}/members`, { memberIds: [inGroup.accountId] })
    await dir('PUT', `/v1/members/${inChild.accountId}/departments`, { departmentIds: [child] })
    const groupCat = await admin.post('/v1/tenant/news-categories', {
      name: 'Group only',
      visibility: { to: 'members', groupIds: [group] },
      fields: ['author'],
    })
    expect(groupCat.status).toBe(201)
    const deptCat = await admin.post('/v1/tenant/news-categories', {
      name: 'Plant only',
      visibility: { to: 'members', departmentIds: [parent] },
    })
    const g = await publishNews(t.accessToken, 'tenant', 'For the group', {
      categoryId: groupCat.body.categoryId,
    })
    await publishNews(t.accessToken, 'tenant', 'For the plant', { categoryId: deptCat.body.categoryId })
    const feed = async (m: { token: string }) => titles(await as(m.token).get('/v1/me/feed'))
    expect(await feed(inGroup)).toEqual(expect.arrayContaining(['For the group']))
    expect(await feed(inGroup)).not.toContain('For the plant')
    expect(await feed(inChild)).toContain('For the plant')
    expect(await feed(outsider)).not.toEqual(expect.arrayContaining(['For the group']))
    expect(await feed(outsider)).not.toContain('For the plant')
    expect((await as(outsider.token).get(`/v1/news/${g.newsId}`)).status).toBe(404)
    // the category's fields: author only, no summary
    const item = (await as(inGroup.token).get(`/v1/news/${g.newsId}`)).body
    expect(item.summary).toBeUndefined()
    // the platform reaches everyone: it cannot narrow a category
    const narrowed = await as(platformToken).post('/v1/platform/news-categories', {
      name: 'x',
      visibility: { to: 'members', roleIds: ['a1aaaaaaaaaa'] },
    })
    expect(narrowed.status).toBe(400)
    expect(narrowed.body.error.details[0].path).toBe('body.visibility')
  })

  it('pages the merged feed with an opaque cursor, across sources, without loss or repeat', async () => {
    const t = await openTenant(platformToken, { industry: 'medical' })
    const cat = (await as(t.accessToken).post('/v1/tenant/news-categories', { name: 'All' })).body.categoryId
    for (let i = 0; i < 5; i++) await publishNews(t.accessToken, 'tenant', `T${i}`, { categoryId: cat })
    const m = await memberOf(t)
    const whole = titles(await as(m.token).get('/v1/me/feed', { limit: '100' }))
    const paged: string[] = []
    let cursor: string | undefined
    do {
      const res = await as(m.token).get('/v1/me/feed', { limit: '2', ...(cursor ? { cursor } : {}) })
      expect(res.status).toBe(200)
      paged.push(...titles(res))
      cursor = res.body.nextCursor
    } while (cursor)
    expect(paged).toEqual(whole)
    expect(whole.filter((x) => /^T\d$/.test(x))).toEqual(['T4', 'T3', 'T2', 'T1', 'T0'])
    expect(whole.length).toBeGreaterThan(5) // the platform's news is in it too
    const forged = await as(m.token).get('/v1/me/feed', {
      cursor: Buffer.from('{"tenant":"x"}').toString('base64url'),
    })
    expect(forged.status).toBe(400)
  })

  it('stores rich text safely: no script blocks, no javascript: links; bad input names its fields', async () => {
    const cat = (await as(a.accessToken).post('/v1/tenant/news-categories', { name: 'Safe' })).body.categoryId
    const script = await as(a.accessToken).post('/v1/tenant/news', {
      categoryId: cat,
      title: 'x',
      body: { blocks: [{ type: 'script', content: 'alert(1)' }] },
    })
    expect(script.status).toBe(400)
    expect(script.body.error.details[0].path).toMatch(/^body\.body/)
    const link = await as(a.accessToken).post('/v1/tenant/news', {
      categoryId: cat,
      title: 'x',
      body: { blocks: [{ type: 'paragraph', content: [{ text: 'go', link: 'javascript:alert(1)' }] }] },
    })
    expect(link.status).toBe(400)
    const cover = await as(a.accessToken).post('/v1/tenant/news', {
      categoryId: cat,
      title: '',
      cover: 'http://example.com/x.png',
      body: doc('x'),
    })
    expect(cover.status).toBe(400)
    expect(cover.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body.cover',
      'body.title',
    ])
    const unknownCategory = await as(a.accessToken).post('/v1/tenant/news', {
      categoryId: 'a1aaaaaaaaaaaaaaaaaaaaaaaa',
      title: 'x',
      body: doc('x'),
    })
    expect(unknownCategory.status).toBe(400)
    // each part within bounds, the whole past what an item holds: a 400, not the table's refusal
    const huge = {
      blocks: Array.from({ length: 60 }, () => ({
        type: 'paragraph',
        content: [{ text: 'x'.repeat(9000) }],
      })),
    }
    for (const [path, body, token] of [
      ['/v1/tenant/news', { categoryId: cat, title: 'x', body: huge }, a.accessToken],
      ['/v1/tenant/announcements', { title: 'x', body: huge }, a.accessToken],
    ] as const) {
      const res = await as(token).post(path, body)
      expect([path, res.status, res.body.error.details[0].path]).toEqual([path, 400, 'body.body'])
    }
    const page = await call(content, 'PUT', '/v1/platform/pages/user-guide', {
      token: platformToken,
      body: { title: 'x', body: huge },
    })
    expect([page.status, page.body.error.details[0].path]).toEqual([400, 'body.body'])
    // text is escaped when rendered
    const ok = await publishNews(a.accessToken, 'tenant', '<img src=x onerror=alert(1)>', { categoryId: cat })
    const m = await memberOf(a)
    expect((await as(m.token).get(`/v1/news/${ok.newsId}`)).body.html).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt;</p>',
    )
  })

  it('keeps personal-centre pages the system admin writes', async () => {
    const res = await call(content, 'PUT', '/v1/platform/pages/user-guide', {
      token: platformToken,
      body: { title: 'User guide', body: doc('Start here') },
    })
    expect(res.status).toBe(200)
    const m = await memberOf(a)
    expect((await as(m.token).get('/v1/pages/user-guide')).body).toMatchObject({
      title: 'User guide',
      html: '<p>Start here</p>',
    })
    expect((await as(m.token).get('/v1/pages/nothing-here')).status).toBe(404)
    expect(
      (await call(content, 'PUT', '/v1/platform/pages/user-guide', { token: a.accessToken, body: {} }))
        .status,
    ).toBe(403)
  })
})

describe('announcements: delivery, read tracking, counts', () => {
  let platformToken: string
  let ind: Tenant
  let gen: Tenant
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
    ind = await openTenant(platformToken, {
      industry: 'industrial',
      planCode: 'industrial.professional-basic',
    })
    gen = await openTenant(platformToken, { industry: 'office' })
  })

  it('delivers a tenant announcement to every member and counts 200 concurrent reads exactly', async () => {
    // memberships alone (no login accounts, no password hashing): delivery and reads need no more
    const members = Array.from({ length: 200 }, () => ({ accountId: newId() }))
    await mapLimit(members, 20, (m) =>
      executeTransactWrite(
        ...putMembership({
          realm: 'tenant',
          ctx: ind.tenant.tenantId,
          ctxCode: ind.tenant.code,
          accountId: m.accountId,
          roles: [],
        }),
      ),
    )
    const admin = as(ind.accessToken)
    const created = await admin.post('/v1/tenant/announcements', {
      title: 'Holiday',
      body: doc('Closed on Monday'),
      strongReminder: true,
    })
    expect(created.status).toBe(201)
    const id = created.body.announcementId as string
    expect((await admin.post(`/v1/tenant/announcements/${id}/publish`)).status).toBe(200)
    await streams.settle()
    const counts = (await admin.get(`/v1/tenant/announcements/${id}/reads`)).body.counts
    expect(counts).toEqual({ recipients: 201, read: 0, unread: 201 })

    const ctx = (memberId: string): MemberContext => ({
      tenant: { tenantId: trustedTenantId(ind.tenant.tenantId) },
      industry: 'industrial',
      memberId,
      roles: [],
      departmentIds: [],
    })
    const first = ctx(members[0]?.accountId as string)
    const { value: unread, requests } = await streams.counted(() => myAnnouncements(first, true, 5))
    expect(requests).toBe(2)
    expect(unread).toMatchObject({
      unreadCount: 1,
      items: [{ announcementId: id, strongReminder: true, read: false }],
    })

    // 200 members at once, and each of them twice
    await Promise.all(
      members.flatMap((m) => [markRead(ctx(m.accountId), id), markRead(ctx(m.accountId), id)]),
    )
    const after = await admin.get(`/v1/tenant/announcements/${id}/reads`, { state: 'read', limit: '100' })
    expect(after.body.counts).toEqual({ recipients: 201, read: 200, unread: 1 })
    expect(after.body.items).toHaveLength(100)
    expect(after.body.nextCursor).toBeDefined()
    const notYet = await admin.get(`/v1/tenant/announcements/${id}/reads`, { state: 'unread' })
    const unreadIds = notYet.body.items.map((i: { memberId: string }) => i.memberId)
    expect(unreadIds).toHaveLength(1) // the administrator
    expect(members.map((m) => m.accountId)).not.toContain(unreadIds[0])
    expect((await myAnnouncements(first, true, 5)).unreadCount).toBe(0)

    // withdrawn: it leaves the unread list of those who had not read it
    expect((await admin.post(`/v1/tenant/announcements/${id}/withdraw`)).status).toBe(200)
    await streams.settle()
    const mine = await as(ind.accessToken).get('/v1/me/announcements', { unread: 'true' })
    expect(mine.body).toMatchObject({ items: [], unreadCount: 0 })
    expect((await as(ind.accessToken).get(`/v1/announcements/${id}`)).status).toBe(404)
  })

  it('reaches every tenant with a unified announcement; members read it; the system admin sees counts only', async () => {
    const created = await as(platformToken).post('/v1/platform/announcements', {
      title: 'Upgrade',
      body: doc('Sunday'),
    })
    const id = created.body.announcementId as string
    expect((await as(platformToken).post(`/v1/platform/announcements/${id}/publish`)).status).toBe(200)
    await streams.settle()
    const m = await memberOf(gen)
    // a member who joined after publication did not get it; the admins did
    expect((await as(m.token).get(`/v1/announcements/${id}`)).status).toBe(404)
    const mine = await as(gen.accessToken).get('/v1/me/announcements', { unread: 'true' })
    expect(mine.body.unreadCount).toBe(1)
    expect(mine.body.items[0]).toMatchObject({ announcementId: id, level: 'platform' })
    expect((await as(gen.accessToken).get(`/v1/announcements/${id}`)).body.html).toBe('<p>Sunday</p>')
    expect((await as(gen.accessToken).post(`/v1/announcements/${id}/read`)).status).toBe(200)
    expect((await as(gen.accessToken).post(`/v1/announcements/${id}/read`)).status).toBe(200)
    const counts = (await as(platformToken).get(`/v1/platform/announcements/${id}/reads`)).body
    expect(counts.read).toBe(1)
    expect(counts.recipients).toBeGreaterThanOrEqual(2)
    expect(counts.unread).toBe(counts.recipients - 1)
    // a tenant admin cannot read another level's or another tenant's announcement lists
    expect((await as(ind.accessToken).get(`/v1/tenant/announcements/${id}/reads`)).status).toBe(404)
  })

  it("refuses tenant announcements to an edition without the announcements app; another tenant's ids are 404", async () => {
    const created = await as(gen.accessToken).post('/v1/tenant/announcements', { title: 'x', body: doc('x') })
    expect(created.status).toBe(201)
    const refused = await as(gen.accessToken).post(
      `/v1/tenant/announcements/${created.body.announcementId}/publish`,
    )
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe('PLAN_LIMIT_EXCEEDED')
    expect(
      (await as(ind.accessToken).get(`/v1/tenant/announcements/${created.body.announcementId}`)).status,
    ).toBe(404)
    expect(
      (await as(ind.accessToken).post(`/v1/announcements/${created.body.announcementId}/read`)).status,
    ).toBe(404)
    const bad = await as(gen.accessToken).post('/v1/tenant/announcements', {
      title: 7,
      strongReminder: 'yes',
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body.body',
      'body.strongReminder',
      'body.title',
    ])
  })
})
