import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { applyDeliveries } from '../lib/content/delivery.js'
import { dynamoRequestCount } from '../lib/core/db/client.js'
import { addBareMembers } from '../test/support/bare-members.js'
import { benchMember, enterpriseTenant, event } from './directory.js'
import { fmt, growthRow, LATENCY_COLUMNS, table, timed, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

const doc = (text: string) => ({ blocks: [{ type: 'paragraph', content: [{ text }] }] })

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

/**
 * The home page and the news feed: DynamoDB requests per call while the tenant is small (the member
 * with an all-day event, a timed one and a daily series today, two todos), and again after it grows
 * (200 news items, 30 announcements, 1,000 more members; 40 past events and 30 more todos of the
 * member's), latency against a bare
 * GetItem; marking an announcement read: requests per call. Announcements are delivered by calling
 * the stream consumer's use case with the change the stream would bring (this table has no stream).
 */
export const measureHome = async (options: { bareGetItemP50: number; n: number }) => {
  const tenant = await enterpriseTenant('home')
  const { handler: content } = (await import('../functions/content/handler.js')) as { handler: Handler }
  const { handler: portal } = (await import('../functions/portal/handler.js')) as { handler: Handler }
  const { handler: calendar } = (await import('../functions/calendar/handler.js')) as { handler: Handler }
  const { handler: todos } = (await import('../functions/todos/handler.js')) as { handler: Handler }
  const context = { awsRequestId: 'bench' } as Context
  const call = async (fn: Handler, method: string, path: string, token: string, body?: unknown) => {
    const res = await fn(event(method, path, token, body), context)
    if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
    return JSON.parse(res.body ?? '{}')
  }
  const admin = (method: string, path: string, body?: unknown) =>
    call(content, method, path, tenant.adminToken, body)
  const { token } = await benchMember(tenant, 'bench-home-member@bench.test')

  const { categoryId } = await admin('POST', '/v1/tenant/news-categories', { name: 'Company' })
  const news = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const { newsId } = await admin('POST', '/v1/tenant/news', {
        categoryId,
        title: `News ${i}`,
        body: doc('x'),
      })
      await admin('POST', `/v1/tenant/news/${newsId}/publish`)
    }
  }
  const announcements: string[] = []
  const announce = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const { announcementId } = await admin('POST', '/v1/tenant/announcements', {
        title: `Notice ${i}`,
        body: doc('x'),
      })
      await admin('POST', `/v1/tenant/announcements/${announcementId}/publish`)
      await applyDeliveries('bench', [
        {
          event: 'MODIFY',
          pk: `T#${tenant.tenantId}`,
          sk: `ANN#${announcementId}`,
          before: { announcementId, status: 'draft' },
          after: { announcementId, status: 'published' },
          sequenceNumber: '0',
        },
      ])
      announcements.push(announcementId)
    }
  }
  const calendarEvent = (title: string, start: string, end: string, more: object = {}) =>
    call(calendar, 'POST', '/v1/calendar/events', token, { title, timeZone: 'UTC', start, end, ...more })
  const todo = (title: string) => call(todos, 'POST', '/v1/me/todos', token, { title })
  const home = () => call(portal, 'GET', '/v1/me/home', token)
  const feed = () => call(content, 'GET', '/v1/me/feed', token)
  const requestsOf = async (fn: () => Promise<unknown>) => {
    await timed(5, fn)
    const before = dynamoRequestCount()
    await fn()
    return dynamoRequestCount() - before
  }

  await news(3)
  await announce(1)
  await calendarEvent('Offsite', day(0), day(1), { allDay: true })
  await calendarEvent('Review', `${day(0)}T15:00`, `${day(0)}T16:00`)
  await calendarEvent('Stand-up', `${day(-3)}T09:00`, `${day(-3)}T09:15`, { rrule: 'FREQ=DAILY;COUNT=30' })
  for (let i = 0; i < 2; i++) await todo(`Todo ${i}`)
  const small = { home: await requestsOf(home), feed: await requestsOf(feed) }
  await news(197)
  await announce(29)
  await addBareMembers(tenant, 1000)
  for (let i = 1; i <= 40; i++)
    await calendarEvent(`Past ${i}`, `${day(-i * 3)}T09:00`, `${day(-i * 3)}T10:00`)
  for (let i = 0; i < 30; i++) await todo(`More ${i}`)
  const large = { home: await requestsOf(home), feed: await requestsOf(feed) }
  const answer = await home()
  const homeTimes = await timed(options.n, home)
  const feedTimes = await timed(options.n, feed)

  const reads: number[] = []
  for (const id of announcements) {
    const before = dynamoRequestCount()
    await call(content, 'POST', `/v1/announcements/${id}/read`, token)
    reads.push(dynamoRequestCount() - before)
  }
  const again = dynamoRequestCount()
  await call(content, 'POST', `/v1/announcements/${announcements[0]}/read`, token)
  const readAgain = dynamoRequestCount() - again

  const row = growthRow(options.bareGetItemP50)
  return {
    markdown: [
      table(
        [
          ...LATENCY_COLUMNS,
          'requests (3 news, 1 announcement, 3 events, 2 todos → 200 news, 30 announcements, 1,000 more members, 43 events, 32 todos)',
          'target',
        ],
        [
          row(
            'GET /v1/me/home',
            homeTimes,
            small.home,
            large.home,
            `${verdict(
              large.home <= 6 &&
                large.home === small.home &&
                answer.announcements.unreadCount === 30 &&
                answer.schedule.events.length === 3 &&
                answer.todos.count === 32,
            )} ≤ 6, unchanged`,
          ),
          row(
            'GET /v1/me/feed (first page of 20)',
            feedTimes,
            small.feed,
            large.feed,
            verdict(large.feed === small.feed),
          ),
        ],
      ),
      '',
      table(
        ['call', 'requests per call', 'again (already read)'],
        [
          [
            'POST /v1/announcements/{id}/read',
            `${fmt(reads.reduce((a, b) => a + b, 0) / reads.length, 1)} (${Math.min(...reads)}–${Math.max(...reads)})`,
            readAgain,
          ],
        ],
      ),
    ].join('\n'),
  }
}
