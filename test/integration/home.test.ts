import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as calendar } from '../../functions/calendar/handler.js'
import { handler as content } from '../../functions/content/handler.js'
import { handler as portal } from '../../functions/portal/handler.js'
import { handler as todos } from '../../functions/todos/handler.js'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { HOME_NEWS } from '../../lib/home/schemas.js'
import { HOME_TODOS } from '../../lib/todos/schemas.js'
import { addBareMembers } from '../support/bare-members.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture, registerOAuth2App } from '../support/fixtures.js'
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
  return { token: accessToken as string, memberId: m.accountId }
}

const counted = async (fn: () => ReturnType<typeof call>) => {
  const { value, requests } = await streams.counted(fn)
  return { ...value, requests }
}
const home = (token: string, query?: Record<string, string>) =>
  counted(() => call(portal, 'GET', '/v1/me/home', { token, query }))
const myApps = (token: string) => counted(() => call(apps, 'GET', '/v1/me/apps', { token }))

/** Today's date in a time zone, before and after something ran (it may cross midnight). */
const todayIn = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date())
const shiftDate = (date: string, days: number) =>
  new Date(Date.parse(date) + days * 86_400_000).toISOString().slice(0, 10)

const createEvent = async (token: string, body: Record<string, unknown>) => {
  const res = await call(calendar, 'POST', '/v1/calendar/events', {
    token,
    body: { timeZone: 'UTC', ...body },
  })
  expect(res.status).toBe(201)
  return res.body.eventId as string
}
const createTodo = async (token: string, body: Record<string, unknown>) => {
  const res = await call(todos, 'POST', '/v1/me/todos', { token, body })
  expect(res.status).toBe(201)
  return res.body.todoId as string
}

describe('GET /v1/me/home: the home page in one call', () => {
  let platformToken: string
  let officeToken: string
  let a: Tenant
  let b: Tenant
  let memberA: string
  let memberB: string
  let memberAId: string
  let categoryA: string
  let today: string
  let appIds: string[]

  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
    // an industrial edition has announcements of its own; b is an office tenant
    a = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.professional-basic' })
    b = await openTenant(platformToken, { industry: 'office' })
    ;({ token: memberA, memberId: memberAId } = await memberOf(a))
    ;({ token: memberB } = await memberOf(b))
    await publishNews(platformToken, 'platform', 'Unified news')
    await publishNews(officeToken, 'industry', 'Office news')
    categoryA = await publishNews(a.accessToken, 'tenant', 'A news')
    await publishNews(b.accessToken, 'tenant', 'B news')
    await announce(platformToken, 'platform', 'Unified notice')
    await announce(a.accessToken, 'tenant', 'A notice')
    appIds = [
      await registerOAuth2App(a.accessToken, 'Ledger'),
      await registerOAuth2App(a.accessToken, 'Rota'),
    ]
    for (const appId of appIds) {
      const granted = await call(apps, 'POST', `/v1/apps/${appId}/grants`, {
        token: a.accessToken,
        body: { members: [memberAId] },
      })
      expect(granted.status).toBe(200)
    }
    // today's schedule: an all-day event, a timed one, a daily series begun days ago, an event of
    // tomorrow; and two open todos
    today = todayIn('UTC')
    await createEvent(memberA, {
      title: 'Offsite',
      allDay: true,
      start: today,
      end: shiftDate(today, 1),
      location: 'Lake house',
    })
    await createEvent(memberA, { title: 'Review', start: `${today}T15:00`, end: `${today}T16:00` })
    await createEvent(memberA, {
      title: 'Stand-up',
      start: `${shiftDate(today, -3)}T09:00`,
      end: `${shiftDate(today, -3)}T09:15`,
      rrule: 'FREQ=DAILY;COUNT=30',
    })
    await createEvent(memberA, {
      title: 'Tomorrow',
      start: `${shiftDate(today, 1)}T09:00`,
      end: `${shiftDate(today, 1)}T10:00`,
    })
    await createTodo(memberA, { title: 'Send the report', due: shiftDate(today, 2) })
    await createTodo(memberA, { title: 'Someday' })
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
    expect(res.body.schedule.date).toBe(today)
    expect(res.body.schedule.events).toEqual([
      {
        eventId: expect.any(String),
        title: 'Offsite',
        allDay: true,
        start: today,
        end: shiftDate(today, 1),
        location: 'Lake house',
      },
      {
        eventId: expect.any(String),
        title: 'Stand-up',
        allDay: false,
        start: `${today}T09:00:00.000Z`,
        end: `${today}T09:15:00.000Z`,
      },
      {
        eventId: expect.any(String),
        title: 'Review',
        allDay: false,
        start: `${today}T15:00:00.000Z`,
        end: `${today}T16:00:00.000Z`,
      },
    ])
    expect(res.body.todos).toEqual({
      items: [
        { todoId: expect.any(String), title: 'Send the report', due: shiftDate(today, 2) },
        { todoId: expect.any(String), title: 'Someday' },
      ],
      count: 2,
    })
    // the same apps and portal as their own endpoints give
    expect(res.body.apps).toEqual((await call(apps, 'GET', '/v1/me/apps', { token: memberA })).body)
    expect(res.body.portal).toEqual(
      (await call(portal, 'GET', '/v1/me/portal', { token: memberA, query: { channel: 'web' } })).body,
    )

    const other = await home(memberB)
    expect(other.body.schedule.events).toEqual([])
    expect(other.body.todos).toEqual({ items: [], count: 0 })
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

  it("reads today in the caller's time zone, and names a zone it does not know", async () => {
    const zone = 'Pacific/Kiritimati'
    const before = todayIn(zone)
    const res = await home(memberA, { timeZone: zone })
    expect(res.status).toBe(200)
    expect([before, todayIn(zone)]).toContain(res.body.schedule.date)
    const bad = await home(memberA, { timeZone: 'Mars/Olympus' })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body.error)).toContain('timeZone')
  })

  it('costs the same few DynamoDB requests however many news items, announcements, members, events and todos there are', async () => {
    const first = await home(memberA)
    // the session check (with the member's app ids); the unread page, two calendar queries and the
    // open todos; one batch of the rest
    expect(first.requests).toBe(6)
    expect(first.body.apps.items.map((i: { appId: string }) => i.appId).sort()).toEqual([...appIds].sort())
    // the member's apps: the session check, one batch
    const apps = await myApps(memberA)
    expect([apps.requests, apps.body]).toEqual([2, first.body.apps])

    for (let i = 0; i < 12; i++) await publishNews(a.accessToken, 'tenant', `More ${i}`, categoryA)
    for (let i = 0; i < 4; i++) await announce(a.accessToken, 'tenant', `Notice ${i}`)
    for (let i = 0; i < 8; i++) await createTodo(memberA, { title: `Chore ${i}` })
    for (let i = 1; i <= 6; i++)
      await createEvent(memberA, {
        title: `Past ${i}`,
        start: `${shiftDate(today, -20 * i)}T09:00`,
        end: `${shiftDate(today, -20 * i)}T10:00`,
      })
    await createEvent(memberA, {
      title: 'Ended series',
      start: `${shiftDate(today, -60)}T08:00`,
      end: `${shiftDate(today, -60)}T08:30`,
      rrule: 'FREQ=WEEKLY;COUNT=4',
    })
    await addBareMembers(a.tenant, 150)
    await streams.settle()
    const later = await home(memberA)
    expect(later.body.news.items).toHaveLength(HOME_NEWS)
    expect(later.body.announcements.unreadCount).toBe(5)
    expect(later.body.todos.items).toHaveLength(HOME_TODOS)
    expect(later.body.todos.count).toBe(10)
    expect(later.body.schedule).toEqual(first.body.schedule)
    expect(later.requests).toBe(first.requests)
  })

  it("follows the member's grants at once", async () => {
    const [ledger, rota] = appIds as [string, string]
    const rules = await call(apps, 'GET', `/v1/apps/${rota}/grants`, { token: a.accessToken })
    for (const { grantId } of rules.body.items as { grantId: string }[]) {
      const revoked = await call(apps, 'DELETE', `/v1/apps/${rota}/grants/${grantId}`, {
        token: a.accessToken,
      })
      expect(revoked.status).toBe(204)
    }
    const shown = async () =>
      (await home(memberA)).body.apps.items.map((i: { appId: string }) => i.appId) as string[]
    expect(await shown()).toEqual([ledger])
    const again = await call(apps, 'POST', `/v1/apps/${rota}/grants`, {
      token: a.accessToken,
      body: { members: [memberAId] },
    })
    expect(again.status).toBe(200)
    expect((await shown()).sort()).toEqual([...appIds].sort())
  })

  it('reads the entitlements of a membership that does not keep its app ids yet: the same apps, one query more', async () => {
    const kept = await home(memberA)
    await getDocumentClient().send(
      new UpdateCommand({
        TableName: config().ATRIUM_TABLE_NAME,
        Key: { PK: `T#${a.tenant.tenantId}`, SK: `MEMBER#${memberAId}` },
        UpdateExpression: 'REMOVE apps',
      }),
    )
    const old = await home(memberA)
    expect([old.requests, old.body.apps]).toEqual([kept.requests + 1, kept.body.apps])
    const apps = await myApps(memberA)
    expect([apps.requests, apps.body]).toEqual([3, kept.body.apps])
  })

  it('is for members of a tenant: no token is a 401, a platform administrator a 403', async () => {
    expect((await call(portal, 'GET', '/v1/me/home', {})).status).toBe(401)
    expect((await call(portal, 'GET', '/v1/me/home', { token: platformToken })).status).toBe(403)
  })
})
