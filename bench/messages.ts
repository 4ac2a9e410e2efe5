import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { mapLimit } from '../lib/core/concurrency.js'
import { resetConfig } from '../lib/core/config.js'
import { dynamoRequestCount } from '../lib/core/db/client.js'
import type { WebSocketEvent } from '../lib/core/websocket-function.js'
import { addBareMembers } from '../test/support/bare-members.js'
import { startManagementApi } from '../test/support/ws-management.js'
import { benchMember, enterpriseTenant, event } from './directory.js'
import { LATENCY_COLUMNS, latencyCells, table, timed, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

const MEMBERS = 50

/**
 * Messages, in process: a send to a group of 50 members, each with a device connected, is timed
 * until it returns, by when the management API has taken the frame for all 50 devices (delivery is
 * part of the send; the management API is a local stand-in answering at once, so the figure is our
 * side: the transaction, the presence and the sessions' reads, 50 posts). The members signed in and
 * connected through `$connect`, so each device's session is real and checked. Then the DynamoDB requests of a history
 * page, the member's conversation list and their unread total, before and after the tenant grows by
 * 1,000 members and the conversation by 300 messages.
 */
export const measureMessages = async (options: { bareGetItemP50: number; n: number }) => {
  const management = await startManagementApi()
  const previous = process.env.WEBSOCKET_MANAGEMENT_URL
  process.env.WEBSOCKET_MANAGEMENT_URL = management.url
  resetConfig()
  try {
    const tenant = await enterpriseTenant('messages')
    const { handler } = (await import('../functions/messages/handler.js')) as { handler: Handler }
    const { handler: ws } = (await import('../functions/messages-ws/handler.js')) as {
      handler: (e: WebSocketEvent, c: Context) => Promise<unknown>
    }
    const context = { awsRequestId: 'bench' } as Context
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await handler(event(method, path, token, body), context)
      if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
      return JSON.parse(res.body ?? '{}')
    }
    const me = await benchMember(tenant, 'bench-messages-member@bench.test')
    // members who signed in: delivery reaches only connections of sessions that still stand
    const signedIn = await mapLimit(
      Array.from({ length: MEMBERS - 1 }, (_, k) => k),
      8,
      (k) => benchMember(tenant, `bench-messages-${k}@bench.test`),
    )
    const others = signedIn.map((m) => m.memberId)
    const { conversationId } = await call('POST', '/v1/conversations', me.token, {
      kind: 'group',
      name: 'Everyone',
      memberIds: others.slice(0, 45),
    })
    await call('POST', `/v1/conversations/${conversationId}/members`, me.token, {
      memberIds: others.slice(45),
    })
    const devices = [me, ...signedIn].map((m, k) => ({ token: m.token, connectionId: `bench-${k}` }))
    for (const d of devices) {
      const res = (await ws(
        {
          requestContext: {
            routeKey: '$connect',
            connectionId: d.connectionId,
            requestId: 'bench',
            eventType: 'CONNECT',
          },
          queryStringParameters: { access_token: d.token },
          isBase64Encoded: false,
        } as unknown as WebSocketEvent,
        context,
      )) as { statusCode: number }
      if (res.statusCode !== 200) throw new Error(`$connect: ${res.statusCode}`)
    }
    let i = 0
    const send = () =>
      call('POST', `/v1/conversations/${conversationId}/messages`, me.token, {
        kind: 'text',
        text: `m${i++}`,
      })
    await send()
    const reached = devices.filter((d) => management.framesOf(d.connectionId).length > 0).length
    const sendTimes = await timed(options.n, send)
    const sendRequests = await (async () => {
      const before = dynamoRequestCount()
      await send()
      return dynamoRequestCount() - before
    })()

    const reads = {
      history: () => call('GET', `/v1/conversations/${conversationId}/messages`, me.token),
      list: () => call('GET', '/v1/me/conversations', me.token),
      unread: () => call('GET', '/v1/me/conversations/unread', me.token),
    }
    const requestsOf = async (fn: () => Promise<unknown>) => {
      const before = dynamoRequestCount()
      await fn()
      return dynamoRequestCount() - before
    }
    const count = async () => ({
      history: await requestsOf(reads.history),
      list: await requestsOf(reads.list),
      unread: await requestsOf(reads.unread),
    })
    const small = await count()
    await addBareMembers(tenant, 1000)
    const other = (await call('POST', '/v1/conversations', me.token, { kind: 'direct', memberId: others[0] }))
      .conversationId
    for (let k = 0; k < 300; k++)
      await call('POST', `/v1/conversations/${k % 2 ? conversationId : other}/messages`, me.token, {
        kind: 'text',
        text: `more ${k}`,
      })
    const large = await count()
    const historyTimes = await timed(options.n, reads.history)
    const unreadTimes = await timed(options.n, reads.unread)

    const latency = (name: string, times: number[], requests: string, target: string) => [
      ...latencyCells(name, times, options.bareGetItemP50),
      requests,
      target,
    ]
    const grew = (k: keyof typeof small) => `${small[k]} → ${large[k]}`
    const steady = (k: keyof typeof small) => large[k] <= 3 && large[k] === small[k]
    return {
      markdown: table(
        [...LATENCY_COLUMNS, 'DynamoDB requests (→ after 1,000 more members, 300 more messages)', 'target'],
        [
          latency(
            `POST …/messages, delivered to ${MEMBERS} connected members`,
            sendTimes,
            String(sendRequests),
            `${verdict(reached === MEMBERS)} ${reached}/${MEMBERS} devices reached`,
          ),
          latency(
            'GET …/messages (a history page of 25)',
            historyTimes,
            grew('history'),
            `${verdict(steady('history'))} ≤ 3, unchanged`,
          ),
          latency(
            'GET /v1/me/conversations/unread',
            unreadTimes,
            grew('unread'),
            `${verdict(steady('unread'))} ≤ 3, unchanged`,
          ),
          [
            'GET /v1/me/conversations',
            '',
            '',
            '',
            '',
            grew('list'),
            `${verdict(steady('list'))} ≤ 3, unchanged`,
          ],
        ],
      ),
    }
  } finally {
    await management.stop()
    if (previous === undefined) delete process.env.WEBSOCKET_MANAGEMENT_URL
    else process.env.WEBSOCKET_MANAGEMENT_URL = previous
    resetConfig()
  }
}
