import { GetItemCommand } from 'dynamodb-toolbox'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as messages } from '../../functions/messages/handler.js'
import { handler as ws } from '../../functions/messages-ws/handler.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { resetConfig } from '../../lib/core/config.js'
import type { WebSocketEvent } from '../../lib/core/websocket-function.js'
import { PresenceEntity } from '../../lib/realtime/entities.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { startManagementApi } from '../support/ws-management.js'

useTestTable()

type Api = Awaited<ReturnType<typeof startManagementApi>>
let management: Api

const as = (token: string) => ({
  get: (path: string, query?: Record<string, string>) => call(messages, 'GET', path, { token, query }),
  post: (path: string, body?: unknown) => call(messages, 'POST', path, { token, body }),
  patch: (path: string, body: unknown) => call(messages, 'PATCH', path, { token, body }),
  del: (path: string) => call(messages, 'DELETE', path, { token }),
})
const text = (t: string) => ({ kind: 'text', text: t })

let n = 0
const wsEvent = (routeKey: string, connectionId: string, extra: Partial<WebSocketEvent> = {}) =>
  ({
    requestContext: { routeKey, connectionId, requestId: `ws-${++n}`, eventType: 'MESSAGE' },
    isBase64Encoded: false,
    ...extra,
  }) as WebSocketEvent
const connect = async (token: string) => {
  const id = `conn${++n}`
  const res = await ws(wsEvent('$connect', id, { queryStringParameters: { access_token: token } }))
  return { id, status: (res as { statusCode: number }).statusCode }
}

describe('messages', () => {
  let admin: Awaited<ReturnType<typeof openTenant>>
  let other: Awaited<ReturnType<typeof openTenant>>
  const people: { id: string; token: string }[] = []
  let stranger: { id: string; token: string }
  const A = () => as(admin.accessToken)
  const P = (i: number) => as((people[i] as { token: string }).token)
  const id = (i: number) => (people[i] as { id: string }).id

  beforeAll(async () => {
    management = await startManagementApi()
    process.env.WEBSOCKET_MANAGEMENT_URL = management.url
    resetConfig()
    const { platformToken } = await platformFixture()
    ;[admin, other] = await Promise.all([openTenant(platformToken), openTenant(platformToken)])
    const person = async (t: typeof admin) => {
      const m = await addPlainMember(t.tenant)
      const s = await login(m.identifier, m.password, { tenantCode: t.tenant.code })
      return { id: m.accountId, token: s.accessToken as string }
    }
    people.push(...(await Promise.all([1, 2, 3, 4].map(() => person(admin)))))
    stranger = await person(other)
  })
  afterAll(async () => {
    resetClock()
    delete process.env.WEBSOCKET_MANAGEMENT_URL
    resetConfig()
    await management.stop()
  })

  it('gives a pair one direct conversation, however many start it at once', async () => {
    const started = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? A().post('/v1/conversations', { kind: 'direct', memberId: id(0) })
          : P(0).post('/v1/conversations', { kind: 'direct', memberId: adminId() }),
      ),
    )
    expect(started.map((r) => r.status)).toEqual(Array(20).fill(201))
    expect(new Set(started.map((r) => r.body.conversationId)).size).toBe(1)
    expect(started[0]?.body).toMatchObject({ kind: 'direct', memberIds: [adminId(), id(0)].sort() })
    const self = await A().post('/v1/conversations', { kind: 'direct', memberId: adminId() })
    expect([self.status, self.body.error.details[0].path]).toEqual([400, 'body.memberId'])
    // nobody of another tenant, nobody unknown
    for (const memberId of [stranger.id, 'a1aaaaaaaaaaaaaaaaaaaaaaaa'])
      expect((await A().post('/v1/conversations', { kind: 'direct', memberId })).status).toBe(404)
  })

  const adminId = () =>
    JSON.parse(Buffer.from(admin.accessToken.split('.')[1] as string, 'base64url').toString()).sub as string

  it('keeps a group to its owner: rename, add, remove; a member leaves; the owner leaving hands it on', async () => {
    const created = await A().post('/v1/conversations', {
      kind: 'group',
      name: 'Team',
      memberIds: [id(0), id(1)],
    })
    expect(created.status).toBe(201)
    const g = created.body.conversationId as string
    expect(created.body).toMatchObject({ kind: 'group', name: 'Team', ownerId: adminId() })
    expect((await P(0).patch(`/v1/conversations/${g}`, { name: 'Mine' })).status).toBe(403)
    expect((await P(0).post(`/v1/conversations/${g}/members`, { memberIds: [id(2)] })).status).toBe(403)
    expect((await P(0).del(`/v1/conversations/${g}/members/${id(1)}`)).status).toBe(403)
    expect((await A().patch(`/v1/conversations/${g}`, { name: 'Renamed' })).body.name).toBe('Renamed')
    // nobody from another tenant or unknown is added; the group is unchanged
    expect((await A().post(`/v1/conversations/${g}/members`, { memberIds: [stranger.id] })).status).toBe(404)
    const added = await A().post(`/v1/conversations/${g}/members`, { memberIds: [id(2)] })
    expect(added.body.memberIds).toEqual([adminId(), id(0), id(1), id(2)].sort())
    const removed = await A().del(`/v1/conversations/${g}/members/${id(1)}`)
    expect(removed.body.memberIds).not.toContain(id(1))
    expect((await P(1).get(`/v1/conversations/${g}`)).status).toBe(404)
    expect((await P(1).get(`/v1/conversations/${g}/messages`)).status).toBe(404)
    expect((await P(1).post(`/v1/conversations/${g}/messages`, text('still here?'))).status).toBe(404)
    expect((await A().del(`/v1/conversations/${g}/members/${adminId()}`)).status).toBe(409)
    expect((await A().post(`/v1/conversations/${g}/leave`)).status).toBe(204)
    const after = await P(0).get(`/v1/conversations/${g}`)
    // the longest-standing member owns it now
    expect(after.body).toMatchObject({ ownerId: id(0), memberIds: [id(0), id(2)].sort() })
    const events = (await P(0).get(`/v1/conversations/${g}/messages`)).body.items.map(
      (m: { body: { event?: string } }) => m.body.event,
    )
    expect(events).toEqual(['left', 'removed', 'joined', 'renamed', 'created'])
    // a direct conversation keeps its two members
    const direct = await A().post('/v1/conversations', { kind: 'direct', memberId: id(0) })
    expect((await A().post(`/v1/conversations/${direct.body.conversationId}/leave`)).status).toBe(409)
  })

  it('pages the history newest first, and refuses bad input and cursors with 400', async () => {
    const g = (await A().post('/v1/conversations', { kind: 'group', name: 'History', memberIds: [id(0)] }))
      .body.conversationId as string
    for (const t of ['one', 'two', 'three', 'four'])
      expect((await A().post(`/v1/conversations/${g}/messages`, text(t))).status).toBe(201)
    const first = await P(0).get(`/v1/conversations/${g}/messages`, { limit: '2' })
    const second = await P(0).get(`/v1/conversations/${g}/messages`, {
      limit: '2',
      cursor: first.body.nextCursor,
    })
    const texts = (r: typeof first) => r.body.items.map((m: { body: { text?: string } }) => m.body.text)
    expect([...texts(first), ...texts(second)]).toEqual(['four', 'three', 'two', 'one'])
    const foreign = await P(0).get(`/v1/conversations/${g}/messages`, {
      cursor: Buffer.from(JSON.stringify({ PK: 'T#x', SK: 'MSG#y' })).toString('base64url'),
    })
    expect(foreign.status).toBe(400)
    for (const [body, field] of [
      [{ kind: 'text', text: '   ' }, 'body.text'],
      [{ kind: 'text', text: 'x'.repeat(4001) }, 'body.text'],
      [{ kind: 'file', fileId: 'x' }, 'body.fileId'],
      [{ kind: 'image', url: 'x' }, 'body.kind'],
    ] as const) {
      const res = await A().post(`/v1/conversations/${g}/messages`, body)
      expect([res.status, res.body.error.details[0].path]).toEqual([400, field])
    }
    expect((await A().post('/v1/conversations', { kind: 'group', name: '', memberIds: [] })).status).toBe(400)
    expect((await A().get('/v1/conversations/not-an-id')).status).toBe(400)
  })

  it('counts unread messages per conversation and in total, exactly under 24 parallel sends, and tracks who has read', async () => {
    const g = (
      await A().post('/v1/conversations', { kind: 'group', name: 'Busy', memberIds: [id(0), id(3)] })
    ).body.conversationId as string
    const before = (await P(3).get('/v1/me/conversations/unread')).body.total as number
    const sent = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 3 === 0 ? P(3) : i % 3 === 1 ? A() : P(0)).post(
          `/v1/conversations/${g}/messages`,
          text(`m${i}`),
        ),
      ),
    )
    expect(sent.map((r) => r.status)).toEqual(Array(24).fill(201))
    const mine = await P(3).get(`/v1/conversations/${g}`)
    expect(mine.body.unread).toBe(16)
    expect((await A().get(`/v1/conversations/${g}`)).body.unread).toBe(16)
    expect((await P(3).get('/v1/me/conversations/unread')).body).toMatchObject({ total: before + 16 })
    const listed = await P(3).get('/v1/me/conversations')
    expect(listed.body.items[0]).toMatchObject({ conversationId: g, unread: 16 })
    const read = await P(3).post(`/v1/conversations/${g}/read`)
    expect(read.status).toBe(200)
    expect((await P(3).get(`/v1/conversations/${g}`)).body.unread).toBe(0)
    expect((await P(3).get('/v1/me/conversations/unread')).body.total).toBe(before)
    const last = (await A().post(`/v1/conversations/${g}/messages`, text('after'))).body.messageId
    const reads = await A().get(`/v1/conversations/${g}/messages/${last}/reads`)
    expect(reads.body).toEqual({ readBy: [], unreadBy: [id(0), id(3)].sort() })
    await P(3).post(`/v1/conversations/${g}/read`)
    const again = await A().get(`/v1/conversations/${g}/messages/${last}/reads`)
    expect(again.body.readBy.map((r: { memberId: string }) => r.memberId)).toEqual([id(3)])
    const positions = await P(0).get(`/v1/conversations/${g}/reads`)
    expect(positions.body.items.find((p: { memberId: string }) => p.memberId === id(3)).readThrough).toBe(
      last,
    )
  })

  it('lets the sender alone recall a message, within two minutes', async () => {
    const g = (await A().post('/v1/conversations', { kind: 'direct', memberId: id(3) })).body.conversationId
    const m = (await P(3).post(`/v1/conversations/${g}/messages`, text('oops'))).body.messageId
    expect((await A().post(`/v1/conversations/${g}/messages/${m}/recall`)).status).toBe(403)
    const recalled = await P(3).post(`/v1/conversations/${g}/messages/${m}/recall`)
    expect(recalled.body).toMatchObject({ messageId: m, body: { kind: 'recalled' } })
    expect(JSON.stringify((await A().get(`/v1/conversations/${g}/messages`)).body)).not.toContain('oops')
    const late = (await P(3).post(`/v1/conversations/${g}/messages`, text('late'))).body.messageId
    advanceClock(121_000)
    expect((await P(3).post(`/v1/conversations/${g}/messages/${late}/recall`)).status).toBe(409)
    resetClock()
    expect(
      (await P(3).post(`/v1/conversations/${g}/messages/a1aaaaaaaaaaaaaaaaaaaaaaaa/recall`)).status,
    ).toBe(404)
  })

  it("answers 404 for another tenant's conversations and messages", async () => {
    const g = (await A().post('/v1/conversations', { kind: 'direct', memberId: id(0) })).body.conversationId
    const m = (await A().post(`/v1/conversations/${g}/messages`, text('private'))).body.messageId
    const S = as(stranger.token)
    for (const res of [
      await S.get(`/v1/conversations/${g}`),
      await S.get(`/v1/conversations/${g}/messages`),
      await S.post(`/v1/conversations/${g}/messages`, text('hello')),
      await S.post(`/v1/conversations/${g}/read`),
      await S.get(`/v1/conversations/${g}/reads`),
      await S.get(`/v1/conversations/${g}/messages/${m}/reads`),
      await S.post(`/v1/conversations/${g}/messages/${m}/recall`),
      await S.patch(`/v1/conversations/${g}`, { name: 'Mine' }),
    ])
      expect(res.status).toBe(404)
    const sneaky = await ws(
      wsEvent('$connect', 'conn-stranger', { queryStringParameters: { access_token: stranger.token } }),
    )
    expect(sneaky).toMatchObject({ statusCode: 200 })
    const sent = (await ws(
      wsEvent('send', 'conn-stranger', {
        body: JSON.stringify({ action: 'send', conversationId: g, message: text('x') }),
      }),
    )) as { statusCode: number }
    expect(sent.statusCode).toBe(404)
    expect(management.framesOf('conn-stranger')).toEqual([])
  })

  it('delivers to every connected device of each member, not to removed or disabled members; Gone connections are dropped', async () => {
    const g = (
      await A().post('/v1/conversations', { kind: 'group', name: 'Live', memberIds: [id(1), id(2)] })
    ).body.conversationId as string
    const [phone, laptop, removed, disabled] = await Promise.all([
      connect(people[1]?.token as string),
      connect(people[1]?.token as string),
      connect(people[2]?.token as string),
      connect(people[2]?.token as string),
    ])
    expect([phone, laptop, removed, disabled].map((c) => c?.status)).toEqual([200, 200, 200, 200])
    const viaWs = (await ws(
      wsEvent('send', laptop?.id as string, {
        body: JSON.stringify({ action: 'send', conversationId: g, message: text('hi all') }),
      }),
    )) as { statusCode: number; body: string }
    expect(viaWs.statusCode).toBe(200)
    const message = JSON.parse(viaWs.body).message
    for (const c of [phone, laptop, removed])
      expect(management.framesOf(c?.id as string)).toContainEqual({ type: 'message', message })
    // removed: told once, then nothing
    await A().del(`/v1/conversations/${g}/members/${id(2)}`)
    expect(management.framesOf(removed?.id as string).at(-1)).toEqual({
      type: 'conversation.removed',
      conversationId: g,
    })
    const count = management.framesOf(removed?.id as string).length
    // a Gone device is dropped from its member's presence
    management.gone.add(phone?.id as string)
    await A().post(`/v1/conversations/${g}/messages`, text('after removal'))
    expect(management.framesOf(removed?.id as string)).toHaveLength(count)
    expect(management.framesOf(laptop?.id as string).at(-1)).toMatchObject({
      type: 'message',
      message: { body: text('after removal') },
    })
    // a member disabled while connected receives nothing more, nor sends
    await call(directory, 'POST', `/v1/members/${id(1)}/disable`, { token: admin.accessToken, body: {} })
    const seen = management.framesOf(laptop?.id as string).length
    await A().post(`/v1/conversations/${g}/messages`, text('after disabling'))
    expect(management.framesOf(laptop?.id as string)).toHaveLength(seen)
    const refused = (await ws(
      wsEvent('send', laptop?.id as string, {
        body: JSON.stringify({ action: 'send', conversationId: g, message: text('x') }),
      }),
    )) as { statusCode: number }
    expect(refused.statusCode).toBe(403)
    // a closed connection is forgotten
    await ws(wsEvent('$disconnect', laptop?.id as string))
    expect(
      (
        (await ws(
          wsEvent('send', laptop?.id as string, {
            body: JSON.stringify({ action: 'read', conversationId: g }),
          }),
        )) as { statusCode: number }
      ).statusCode,
    ).toBe(401)
    // a logged-out session's socket sends nothing either
    const device = await connect(people[3]?.token as string)
    await call(auth, 'POST', '/v1/auth/logout', { token: people[3]?.token })
    const ended = (await ws(
      wsEvent('send', device.id, { body: JSON.stringify({ action: 'read', conversationId: g }) }),
    )) as { statusCode: number }
    expect(ended.statusCode).toBe(401)
    const presence = await PresenceEntity.build(GetItemCommand)
      .key({ tenantId: admin.tenant.tenantId, memberId: id(1) })
      .options({ consistent: true })
      .send()
    expect(presence.Item?.connections).toBeUndefined()
  })
  it("stops delivering to a device whose session ended and closes it; the member's other sessions still receive", async () => {
    const m = await addPlainMember(admin.tenant)
    const [first, second] = await Promise.all(
      [1, 2].map(
        async () => (await login(m.identifier, m.password, { tenantCode: admin.tenant.code })).accessToken,
      ),
    )
    const [phone, laptop] = await Promise.all([connect(first as string), connect(second as string)])
    const d = (await A().post('/v1/conversations', { kind: 'direct', memberId: m.accountId })).body
      .conversationId as string
    await A().post(`/v1/conversations/${d}/messages`, text('before'))
    for (const c of [phone, laptop]) expect(management.framesOf(c.id)).toHaveLength(1)
    expect((await call(auth, 'POST', '/v1/auth/logout', { token: first })).status).toBe(204)
    await A().post(`/v1/conversations/${d}/messages`, text('after'))
    expect(management.framesOf(phone.id)).toHaveLength(1)
    expect(management.framesOf(laptop.id).at(-1)).toMatchObject({ message: { body: text('after') } })
    expect(management.closed.has(phone.id)).toBe(true)
    expect(management.closed.has(laptop.id)).toBe(false)
    const presence = await PresenceEntity.build(GetItemCommand)
      .key({ tenantId: admin.tenant.tenantId, memberId: m.accountId })
      .options({ consistent: true })
      .send()
    expect([...(presence.Item?.connections ?? [])].map((e) => e.split(' ')[0])).toEqual([laptop.id])
  })
})
