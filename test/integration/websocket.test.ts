import * as z from 'zod'
import { handler as auth } from '../../functions/auth/handler.js'
import { liveSession } from '../../lib/auth/session-check.js'
import type { Caller } from '../../lib/core/auth/caller.js'
import type { Principal } from '../../lib/core/auth/principal.js'
import { tenantAccess } from '../../lib/core/http/access.js'
import { action, type WebSocketEvent, websocketFunction } from '../../lib/core/websocket-function.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

const connected = new Map<string, Caller>()
const principals = new Map<string, Principal>()
const ws = websocketFunction({
  name: 'ws-test',
  session: liveSession,
  access: tenantAccess('members.read'),
  connect: async ({ connectionId, caller, principal }) => {
    connected.set(connectionId, caller)
    principals.set(connectionId, principal)
  },
  principalOf: async (connectionId) => principals.get(connectionId),
  disconnect: async ({ connectionId }) => {
    connected.delete(connectionId)
  },
  actions: {
    echo: action({
      body: z.object({ action: z.literal('echo'), text: z.string().min(1).max(10) }),
      handle: async ({ connectionId, body }) => ({ to: connectionId, text: body.text }),
    }),
    boom: action({
      body: z.object({ action: z.literal('boom') }),
      handle: async () => {
        throw new Error('secret internals')
      },
    }),
  },
})

let n = 0
const event = (routeKey: string, extra: Partial<WebSocketEvent> = {}): WebSocketEvent =>
  ({
    requestContext: { routeKey, connectionId: `conn-${++n}`, requestId: `ws-${n}`, eventType: 'MESSAGE' },
    isBase64Encoded: false,
    ...extra,
  }) as WebSocketEvent

describe('the WebSocket adapter', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('authenticates $connect with the live session and the access rule', async () => {
    const t = await openTenant(platformToken)
    const ok = await ws(event('$connect', { queryStringParameters: { access_token: t.accessToken } }))
    expect(ok).toMatchObject({ statusCode: 200 })
    const caller = [...connected.values()].at(-1)
    expect(caller?.realm === 'tenant' && caller.tenant.tenantId).toBe(t.tenant.tenantId)
    expect(await ws(event('$connect'))).toMatchObject({ statusCode: 401 })
    const platformCaller = await ws(
      event('$connect', { queryStringParameters: { access_token: platformToken } }),
    )
    expect(platformCaller).toMatchObject({ statusCode: 403 })
    await call(auth, 'POST', '/v1/auth/logout', { token: t.accessToken })
    const ended = await ws(event('$connect', { queryStringParameters: { access_token: t.accessToken } }))
    expect(ended).toMatchObject({ statusCode: 401 })
  })

  it('routes messages by action, validates them, checks them live and answers errors in the API shape', async () => {
    const t = await openTenant(platformToken)
    const opened = event('$connect', { queryStringParameters: { access_token: t.accessToken } })
    expect(await ws(opened)).toMatchObject({ statusCode: 200 })
    const on = (connectionId: string, body: unknown) => {
      const e = event('send', { body: typeof body === 'string' ? body : JSON.stringify(body) })
      e.requestContext.connectionId = connectionId
      return ws(e)
    }
    const reply = (body: unknown) => on(opened.requestContext.connectionId, body)
    const echoed = (await reply({ action: 'echo', text: 'hi' })) as { statusCode: number; body: string }
    expect(echoed.statusCode).toBe(200)
    expect(JSON.parse(echoed.body)).toMatchObject({ text: 'hi' })
    const bad = (await reply({ action: 'echo', text: 'far too long a text' })) as {
      statusCode: number
      body: string
    }
    expect([bad.statusCode, JSON.parse(bad.body).error.details[0].path]).toEqual([400, 'body.text'])
    expect(await reply({ action: 'nope' })).toMatchObject({ statusCode: 404 })
    expect(await reply('not json')).toMatchObject({ statusCode: 400 })
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    const failed = (await reply({ action: 'boom' })) as { statusCode: number; body: string }
    quiet.mockRestore()
    expect(failed.statusCode).toBe(500)
    expect(failed.body).not.toContain('secret')
    // a connection nobody opened, and one whose session ended since, send nothing
    expect(await on('conn-unknown', { action: 'echo', text: 'hi' })).toMatchObject({ statusCode: 401 })
    await call(auth, 'POST', '/v1/auth/logout', { token: t.accessToken })
    expect(await reply({ action: 'echo', text: 'hi' })).toMatchObject({ statusCode: 401 })
  })

  it('cleans up on $disconnect', async () => {
    connected.set('conn-gone', {} as Caller)
    const e = event('$disconnect')
    e.requestContext.connectionId = 'conn-gone'
    await ws(e)
    expect(connected.has('conn-gone')).toBe(false)
  })
})
