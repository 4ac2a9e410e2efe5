import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { api } from '../support/http.js'
import { startOffline, type TestApi } from '../support/offline.js'
import { connectSocket, type TestSocket } from '../support/ws-client.js'

type Frame = Record<string, unknown>
const text = (t: string) => ({ kind: 'text', text: t })
const says = (t: string) => (f: Frame) =>
  f.type === 'message' && (f.message as { body: { text?: string } }).body.text === t

describe('messages over the WebSocket API (serverless-offline)', () => {
  let stack: TestApi
  let http: ReturnType<typeof api>
  const sockets: TestSocket[] = []
  const open = async (token?: string) => {
    const s = await connectSocket(stack.wsUrl, token)
    sockets.push(s)
    return s
  }

  beforeAll(async () => {
    stack = await startOffline()
    http = api(stack.baseUrl)
  }, 240_000)

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()))
    await stack?.stop()
  })

  it('carries messages between two members, never to another tenant or a removed member, and lets a device catch up', async () => {
    const { platformToken } = await platformFixture()
    const [t, other] = await Promise.all([openTenant(platformToken), openTenant(platformToken)])
    const member = async (tenant: typeof t) => {
      const m = await addPlainMember(tenant.tenant)
      const s = await login(m.identifier, m.password, { tenantCode: tenant.tenant.code })
      return { id: m.accountId, token: s.accessToken as string }
    }
    const [ann, bob, cy] = await Promise.all([member(t), member(t), member(t)])
    const eve = await member(other)
    const post = (token: string, path: string, body?: unknown) => http.request('POST', path, { token, body })

    // no token, no connection
    await expect(connectSocket(stack.wsUrl)).rejects.toThrow(/401/)
    const [annWs, bobWs, cyWs, eveWs] = await Promise.all([
      open(ann?.token),
      open(bob?.token),
      open(cy?.token),
      open(eve.token),
    ])
    const direct = await post(ann?.token as string, '/v1/conversations', {
      kind: 'direct',
      memberId: bob?.id,
    })
    expect(direct.status).toBe(201)
    const d = (direct.body as { conversationId: string }).conversationId

    // bob sends over the socket: his answer, and ann's delivery
    bobWs.send({ action: 'send', conversationId: d, message: text('hello ann') })
    expect(await bobWs.next((f) => f.type === 'sent')).toMatchObject({ message: { body: text('hello ann') } })
    await annWs.next(says('hello ann'))
    // ann answers over HTTP: bob's device gets it
    expect((await post(ann?.token as string, `/v1/conversations/${d}/messages`, text('hi bob'))).status).toBe(
      201,
    )
    await bobWs.next(says('hi bob'))

    // another tenant's member neither posts nor reads, and hears nothing
    eveWs.send({ action: 'send', conversationId: d, message: text('let me in') })
    expect(await eveWs.next((f) => 'error' in f)).toMatchObject({ error: { code: 'NOT_FOUND' } })
    expect((await http.request('GET', `/v1/conversations/${d}/messages`, { token: eve.token })).status).toBe(
      404,
    )
    expect(eveWs.frames.filter((f) => (f as Frame).type === 'message')).toEqual([])

    // a removed member stops receiving at once
    const group = await post(ann?.token as string, '/v1/conversations', {
      kind: 'group',
      name: 'Trio',
      memberIds: [bob?.id, cy?.id],
    })
    const g = (group.body as { conversationId: string }).conversationId
    await post(ann?.token as string, `/v1/conversations/${g}/messages`, text('to all three'))
    await cyWs.next(says('to all three'))
    await http.request('DELETE', `/v1/conversations/${g}/members/${cy?.id}`, { token: ann?.token })
    await cyWs.next((f) => f.type === 'conversation.removed')
    await post(ann?.token as string, `/v1/conversations/${g}/messages`, text('without cy'))
    // a later message to cy arrives after anything pushed before it: the group's did not come
    const dc = await post(ann?.token as string, '/v1/conversations', { kind: 'direct', memberId: cy?.id })
    await post(
      ann?.token as string,
      `/v1/conversations/${(dc.body as { conversationId: string }).conversationId}/messages`,
      text('just cy'),
    )
    await cyWs.next(says('just cy'))
    expect(cyWs.frames.some((f) => says('without cy')(f as Frame))).toBe(false)
    await bobWs.next(says('without cy'))

    // bob goes offline, misses two, reconnects and catches up from the history
    await bobWs.close()
    await post(ann?.token as string, `/v1/conversations/${d}/messages`, text('while away 1'))
    await post(ann?.token as string, `/v1/conversations/${d}/messages`, text('while away 2'))
    const again = await open(bob?.token)
    const mine = await http.request('GET', `/v1/conversations/${d}`, { token: bob?.token })
    expect(mine.body).toMatchObject({ unread: 3 })
    const history = await http.request('GET', `/v1/conversations/${d}/messages?limit=2`, {
      token: bob?.token,
    })
    expect((history.body as { items: { body: { text: string } }[] }).items.map((m) => m.body.text)).toEqual([
      'while away 2',
      'while away 1',
    ])
    again.send({ action: 'read', conversationId: d })
    await again.next((f) => f.type === 'read' && f.conversationId === d)
    await annWs.next((f) => f.type === 'read' && f.memberId === bob?.id)
    expect(
      (await http.request('GET', '/v1/me/conversations/unread', { token: bob?.token })).body,
    ).toMatchObject({
      total: 2,
    })
  }, 60_000)
})
