import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { utcToLocal } from '../lib/calendar/recurrence.js'
import { runReminders } from '../lib/calendar/reminders.js'
import { MAX_EXCEPTIONS } from '../lib/calendar/schemas.js'
import { advanceClock, nowMs, resetClock } from '../lib/core/clock.js'
import { dynamoRequestCount } from '../lib/core/db/client.js'
import { addBareMembers } from '../test/support/bare-members.js'
import { benchMember, enterpriseTenant, event } from './directory.js'
import { growthRow, LATENCY_COLUMNS, table, timed, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

const DAY = 86_400_000
const wallClock = (ms: number) => new Date(utcToLocal('Europe/Berlin', ms)).toISOString().slice(0, 16)

/**
 * The calendar: DynamoDB requests of a member's day and of a colleague's free/busy while the
 * member's calendar is nearly empty, and again after a year of history (365 single events, 20
 * series of which half have ended) and 1,000 more members, and with a series that has as many
 * occurrences changed on their own as it may keep (MAX_EXCEPTIONS, today's among them); latency
 * against a bare GetItem; the reminder job's requests for N reminders due at once (each to the
 * organiser and two attendees).
 */
export const measureCalendar = async (options: { bareGetItemP50: number; n: number }) => {
  const tenant = await enterpriseTenant('calendar')
  const { handler } = (await import('../functions/calendar/handler.js')) as { handler: Handler }
  const context = { awsRequestId: 'bench' } as Context
  const call = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    query?: Record<string, string>,
  ) => {
    const res = await handler(event(method, path, token, body, query), context)
    if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
    return JSON.parse(res.body || '{}')
  }
  const me = await benchMember(tenant, 'bench-calendar-member@bench.test')
  const colleague = await benchMember(tenant, 'bench-calendar-colleague@bench.test')
  const create = (body: Record<string, unknown>) =>
    call(me.token, 'POST', '/v1/calendar/events', {
      timeZone: 'Europe/Berlin',
      attendees: [colleague.memberId],
      ...body,
    })
  const today = new Date(nowMs()).toISOString().slice(0, 10)
  const at = (days: number, hour: number) => {
    const d = new Date(Date.parse(`${today}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10)
    return `${d}T${String(hour).padStart(2, '0')}:00`
  }
  const dayView = () =>
    call(me.token, 'GET', '/v1/me/calendar/day', undefined, { date: today, timeZone: 'Europe/Berlin' })
  const range = {
    from: `${today}T00:00:00Z`,
    to: new Date(Date.parse(`${today}T00:00:00Z`) + 7 * DAY).toISOString(),
  }
  const freeBusy = () =>
    call(me.token, 'GET', '/v1/calendar/free-busy', undefined, { members: colleague.memberId, ...range })
  const requestsOf = async (fn: () => Promise<unknown>) => {
    await fn()
    const before = dynamoRequestCount()
    await fn()
    return dynamoRequestCount() - before
  }

  await create({ title: 'Today', start: at(0, 10), end: at(0, 11) })
  const weekly = await create({ title: 'Weekly', start: at(-7, 9), end: at(-7, 10), rrule: 'FREQ=WEEKLY' })
  const small = { day: await requestsOf(dayView), freeBusy: await requestsOf(freeBusy) }
  for (let d = 1; d <= 365; d++) await create({ title: `Past ${d}`, start: at(-d, 14), end: at(-d, 15) })
  for (let s = 0; s < 20; s++)
    await create({
      title: `Series ${s}`,
      start: at(-300 + s, 8),
      end: at(-300 + s, 9),
      rrule: s % 2 ? 'FREQ=DAILY;COUNT=30' : 'FREQ=WEEKLY;INTERVAL=2',
    })
  await addBareMembers(tenant, 1000)
  const large = { day: await requestsOf(dayView), freeBusy: await requestsOf(freeBusy) }
  const answer = await dayView()
  const dayTimes = await timed(options.n, dayView)
  const freeBusyTimes = await timed(options.n, freeBusy)

  // the weekly series with every occurrence it may change on its own changed: today's moved to
  // 11:00, the next ones cancelled
  for (let week = 1; week <= MAX_EXCEPTIONS; week++) {
    const path = `/v1/calendar/events/${weekly.eventId}/occurrences/${at(7 * (week - 1), 9)}`
    if (week === 1) await call(me.token, 'PUT', path, { start: at(0, 11), end: at(0, 12) })
    else await call(me.token, 'DELETE', path)
  }
  const changed = { day: await requestsOf(dayView), freeBusy: await requestsOf(freeBusy) }
  const moved = (await dayView()).events.some(
    (e: { eventId: string; recurrenceId?: string }) =>
      e.eventId === weekly.eventId && e.recurrenceId === at(0, 9),
  )
  const changedDayTimes = await timed(options.n, dayView)

  // N reminders due in the same minute, an hour from now
  const due = 50
  const fireAt = Math.ceil((nowMs() + 2 * 3_600_000) / 60_000) * 60_000
  const third = await benchMember(tenant, 'bench-calendar-third@bench.test')
  for (let i = 0; i < due; i++)
    await create({
      title: `Reminded ${i}`,
      start: wallClock(fireAt + 10 * 60_000),
      end: wallClock(fireAt + 70 * 60_000),
      reminders: [10],
      attendees: [colleague.memberId, third.memberId],
    })
  advanceClock(fireAt - nowMs())
  const jobBefore = dynamoRequestCount()
  const outcomes = await runReminders()
  const jobRequests = dynamoRequestCount() - jobBefore
  const idleBefore = dynamoRequestCount()
  await runReminders()
  const idleRequests = dynamoRequestCount() - idleBefore
  resetClock()

  const row = growthRow(options.bareGetItemP50)
  return {
    markdown: [
      table(
        [
          ...LATENCY_COLUMNS,
          'requests (2 events → a year of history, 20 series, 1,000 more members)',
          'target',
        ],
        [
          row(
            'GET /v1/me/calendar/day',
            dayTimes,
            small.day,
            large.day,
            `${verdict(large.day <= 3 && large.day === small.day && answer.events.length >= 2)} ≤ 3, unchanged`,
          ),
          row(
            'GET /v1/calendar/free-busy (one colleague, 7 days)',
            freeBusyTimes,
            small.freeBusy,
            large.freeBusy,
            `${verdict(large.freeBusy <= 3 && large.freeBusy === small.freeBusy && changed.freeBusy === large.freeBusy)} ≤ 3, unchanged (N colleagues: 1 + 2N)`,
          ),
          row(
            `GET /v1/me/calendar/day (a series with ${MAX_EXCEPTIONS} occurrences changed on their own)`,
            changedDayTimes,
            large.day,
            changed.day,
            `${verdict(changed.day <= 3 && moved)} ≤ 3, unchanged`,
          ),
        ],
      ),
      '',
      table(
        ['reminder job run', 'reminders sent', 'requests', 'a run with nothing due'],
        [[`${due} due at once, 3 recipients each`, outcomes.sent ?? 0, jobRequests, idleRequests]],
      ),
    ].join('\n'),
  }
}
