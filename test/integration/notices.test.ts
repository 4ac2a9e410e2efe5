import { handler as ws } from '../../functions/messages-ws/handler.js'
import { handler as portal } from '../../functions/portal/handler.js'
import { resetConfig } from '../../lib/core/config.js'
import type { WebSocketEvent } from '../../lib/core/websocket-function.js'
import { notifyMembers } from '../../lib/notices/notify.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { startManagementApi } from '../support/ws-management.js'

useTestTable()

type Tenant = Awaited<ReturnType<typeof openTenant>>

const memberOf = async (t: Tenant) => {
  const m = await addPlainMember(t.tenant)
  const { accessToken } = await login(m.identifier, m.password, { tenantCode: t.tenant.code })
  return { memberId: m.accountId, token: accessToken as string }
}

const list = (token: string, query: Record<string, string> = {}) =>
  call(portal, 'GET', '/v1/me/notices', { token, query })
const markRead = (token: string, noticeId: string) =>
  call(portal, 'POST', `/v1/me/notices/${noticeId}/read`, { token })
const markAll = (token: string) => call(portal, 'POST', '/v1/me/notices/read', { token })

/** The invariant: the unread count is exactly the number of listed notices not read. */
const expectCountMatches = async (token: string) => {
  const all = await list(token, { limit: '100' })
  expect(all.status).toBe(200)
  const unread = (all.body.items as { read: boolean }[]).filter((n) => !n.read).length
  expect(all.body.unreadCount).toBe(unread)
  return all.body
}

describe('notices: what capabilities tell a member', () => {
  let a: Tenant
  let b: Tenant
  beforeAll(async () => {
    const { platformToken } = await platformFixture()
    ;[a, b] = await Promise.all([openTenant(platformToken), openTenant(platformToken)])
  })

  it("lists a member's notices newest first with their unread count; reading one counts once", async () => {
    const [ann, bob] = await Promise.all([memberOf(a), memberOf(a)])
    await notifyMembers(a.tenant.tenantId, [ann.memberId, bob.memberId], {
      kind: 'calendar.reminder',
      title: 'Stand-up in 10 minutes',
      link: '/calendar',
      ref: 'event1',
    })
    await notifyMembers(a.tenant.tenantId, [ann.memberId], {
      kind: 'approval.approved',
      title: 'Leave approved',
    })
    const first = await list(ann.token)
    expect(first.body).toMatchObject({
      unreadCount: 2,
      items: [
        { kind: 'approval.approved', title: 'Leave approved', read: false },
        {
          kind: 'calendar.reminder',
          title: 'Stand-up in 10 minutes',
          link: '/calendar',
          ref: 'event1',
          read: false,
        },
      ],
    })
    expect((await list(bob.token)).body.unreadCount).toBe(1)

    const id = first.body.items[1].noticeId as string
    const reads = await Promise.all(Array.from({ length: 20 }, () => markRead(ann.token, id)))
    expect(reads.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect((await expectCountMatches(ann.token)).unreadCount).toBe(1)

    // another member's notice, and another tenant's member: not found, and nothing changes
    expect((await markRead(bob.token, id)).status).toBe(404)
    const other = await memberOf(b)
    expect((await markRead(other.token, id)).status).toBe(404)
    expect((await list(other.token)).body).toMatchObject({ items: [], unreadCount: 0 })
    expect((await list(bob.token)).body.unreadCount).toBe(1)
  })

  it('pages with a cursor and refuses bad input with the failing fields', async () => {
    const m = await memberOf(a)
    for (let i = 0; i < 3; i++)
      await notifyMembers(a.tenant.tenantId, [m.memberId], { kind: 'x.y', title: `n${i}` })
    const p1 = await list(m.token, { limit: '2' })
    expect(p1.body.items.map((n: { title: string }) => n.title)).toEqual(['n2', 'n1'])
    const p2 = await list(m.token, { limit: '2', cursor: p1.body.nextCursor })
    expect(p2.body.items.map((n: { title: string }) => n.title)).toEqual(['n0'])

    const bad = await list(m.token, { limit: '0' })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body.error.details)).toContain('query.limit')
    const badId = await markRead(m.token, 'NOT-AN-ID')
    expect(badId.status).toBe(400)
    expect(JSON.stringify(badId.body.error.details)).toContain('path.noticeId')
    const otherCursor = await list((await memberOf(a)).token, { cursor: p1.body.nextCursor })
    expect(otherCursor.status).toBe(400)
    expect((await call(portal, 'GET', '/v1/me/notices')).status).toBe(401)
  })

  it('keeps the count exact while notices arrive, are read one by one and all at once', async () => {
    const m = await memberOf(a)
    await notifyMembers(a.tenant.tenantId, [m.memberId], { kind: 'x.y', title: 'before' })
    const before = (await list(m.token)).body.items[0].noticeId as string
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        notifyMembers(a.tenant.tenantId, [m.memberId], { kind: 'x.y', title: `during ${i}` }),
      ),
      markAll(m.token),
      markRead(m.token, before),
      markAll(m.token),
    ])
    const after = await expectCountMatches(m.token)
    expect(after.items).toHaveLength(31)
    expect(after.items.find((n: { noticeId: string }) => n.noticeId === before).read).toBe(true)

    expect((await markAll(m.token)).body).toEqual({ unreadCount: 0 })
    expect((await expectCountMatches(m.token)).unreadCount).toBe(0)
    await notifyMembers(a.tenant.tenantId, [m.memberId], { kind: 'x.y', title: 'after' })
    expect((await expectCountMatches(m.token)).unreadCount).toBe(1)
  })

  it('tells each member once per key, however often and however concurrently it is sent', async () => {
    const [m, n] = await Promise.all([memberOf(a), memberOf(a)])
    const notice = { kind: 'calendar.reminder', title: 'Once' }
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        notifyMembers(a.tenant.tenantId, i % 2 ? [m.memberId, n.memberId] : [m.memberId], notice, {
          key: 'event-1#09:00',
        }),
      ),
    )
    // a retry after a crash: already told, nothing more
    await notifyMembers(a.tenant.tenantId, [m.memberId, n.memberId], notice, { key: 'event-1#09:00' })
    for (const who of [m, n]) expect((await expectCountMatches(who.token)).items).toHaveLength(1)
    await notifyMembers(a.tenant.tenantId, [m.memberId], notice, { key: 'event-1#10:00' })
    expect((await expectCountMatches(m.token)).unreadCount).toBe(2)
  })

  it("goes to the member's connected devices too, and to nobody else's", async () => {
    const management = await startManagementApi()
    process.env.WEBSOCKET_MANAGEMENT_URL = management.url
    resetConfig()
    try {
      const [m, n] = await Promise.all([memberOf(a), memberOf(a)])
      const connect = async (token: string, connectionId: string) =>
        ws({
          requestContext: {
            routeKey: '$connect',
            connectionId,
            requestId: `n-${connectionId}`,
            eventType: 'CONNECT',
          },
          queryStringParameters: { access_token: token },
          isBase64Encoded: false,
        } as unknown as WebSocketEvent)
      await Promise.all([connect(m.token, 'phone'), connect(m.token, 'laptop'), connect(n.token, 'other')])
      await notifyMembers(a.tenant.tenantId, [m.memberId], {
        kind: 'approval.approved',
        title: 'Leave approved',
      })
      for (const device of ['phone', 'laptop'])
        expect(management.framesOf(device)).toEqual([
          {
            type: 'notice',
            notice: expect.objectContaining({ kind: 'approval.approved', title: 'Leave approved' }),
          },
        ])
      expect(management.framesOf('other')).toEqual([])
    } finally {
      delete process.env.WEBSOCKET_MANAGEMENT_URL
      resetConfig()
      await management.stop()
    }
  })
})
