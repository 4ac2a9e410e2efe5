import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { handler as calendar } from '../../functions/calendar/handler.js'
import { handler as reminders } from '../../functions/calendar-reminders/handler.js'
import { respond } from '../../lib/calendar/events.js'
import { utcToLocal } from '../../lib/calendar/recurrence.js'
import { memberSchedule } from '../../lib/calendar/views.js'
import { advanceClock, nowMs, resetClock } from '../../lib/core/clock.js'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { scopeOf } from '../../lib/core/tenancy.js'
import { noticePrefix } from '../../lib/notices/entities.js'
import { addBareMembers } from '../support/bare-members.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const BERLIN = 'Europe/Berlin'

type Person = { token: string; memberId: string }

let tenantId: string
let tenantA: { tenantId: string; code: string }
let organiser: Person
let ann: Person
let bob: Person
let cleo: Person
let stranger: Person
let tenantB: string

const person = async (tenant: { tenantId: string; code: string }): Promise<Person> => {
  const m = await addPlainMember(tenant)
  const { accessToken } = await login(m.identifier, m.password)
  return { token: accessToken, memberId: m.accountId }
}

const api = (who: Person, method: string, path: string, body?: unknown, query?: Record<string, string>) =>
  call(calendar, method, path, { token: who.token, body, query })

const event = (overrides: Record<string, unknown> = {}) => ({
  title: 'Planning',
  timeZone: BERLIN,
  start: '2026-06-10T09:00',
  end: '2026-06-10T10:00',
  ...overrides,
})

const create = async (who: Person, body: Record<string, unknown>) => {
  const res = await api(who, 'POST', '/v1/calendar/events', body)
  expect([res.status, res.body]).toEqual([201, expect.anything()])
  return res.body as { eventId: string }
}

const day = async (who: Person, date: string, timeZone = BERLIN) => {
  const res = await api(who, 'GET', '/v1/me/calendar/day', undefined, { date, timeZone })
  expect(res.status).toBe(200)
  return res.body.events as { eventId: string; start: string; end: string; title: string; response: string }[]
}

const noticesOf = async (memberId: string) => {
  const out = await getDocumentClient().send(
    new QueryCommand({
      TableName: config().ATRIUM_TABLE_NAME,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': `T#${tenantId}`, ':sk': noticePrefix(memberId) },
    }),
  )
  return (out.Items ?? []) as { kind: string; ref: string; title: string; body?: string }[]
}

/** A wall-clock time in a zone, whole minutes, as the API takes it. */
const wallClock = (ms: number, timeZone: string) =>
  new Date(utcToLocal(timeZone, ms)).toISOString().slice(0, 16)

describe('the calendar', () => {
  beforeAll(async () => {
    const { platformToken } = await platformFixture()
    const a = await openTenant(platformToken)
    tenantA = a.tenant
    tenantId = a.tenant.tenantId
    const sub = JSON.parse(Buffer.from(a.accessToken.split('.')[1] ?? '', 'base64url').toString()).sub
    organiser = { token: a.accessToken, memberId: sub }
    ;[ann, bob, cleo] = await Promise.all([person(a.tenant), person(a.tenant), person(a.tenant)])
    const b = await openTenant(platformToken)
    stranger = await person(b.tenant)
    tenantB = b.tenant.tenantId
  })

  afterEach(() => resetClock())

  it('creates, shows, edits and cancels an event; attendees respond and keep their answer across edits', async () => {
    const { eventId } = await create(
      organiser,
      event({ location: 'Room 1', attendees: [ann.memberId, bob.memberId], reminders: [15] }),
    )
    const got = await api(ann, 'GET', `/v1/calendar/events/${eventId}`)
    expect(got.status).toBe(200)
    expect(got.body).toMatchObject({ title: 'Planning', location: 'Room 1', organiserId: organiser.memberId })
    expect(
      new Map(
        got.body.attendees.map((a: { memberId: string; response: string }) => [a.memberId, a.response]),
      ),
    ).toEqual(
      new Map([
        [organiser.memberId, 'accepted'],
        [ann.memberId, 'needs-action'],
        [bob.memberId, 'needs-action'],
      ]),
    )

    expect(
      (await api(ann, 'PUT', `/v1/calendar/events/${eventId}/response`, { response: 'accepted' })).body,
    ).toEqual({ eventId, memberId: ann.memberId, response: 'accepted' })
    await api(bob, 'PUT', `/v1/calendar/events/${eventId}/response`, { response: 'declined' })

    // the organiser moves it and swaps bob for cleo: ann keeps her answer, cleo is asked
    const moved = await api(
      organiser,
      'PUT',
      `/v1/calendar/events/${eventId}`,
      event({
        title: 'Planning (moved)',
        start: '2026-06-11T14:00',
        end: '2026-06-11T15:00',
        attendees: [ann.memberId, cleo.memberId],
      }),
    )
    expect(moved.status).toBe(200)
    const responses = Object.fromEntries(
      moved.body.attendees.map((a: { memberId: string; response: string }) => [a.memberId, a.response]),
    )
    expect(responses).toEqual({
      [organiser.memberId]: 'accepted',
      [ann.memberId]: 'accepted',
      [cleo.memberId]: 'needs-action',
    })
    expect(await day(ann, '2026-06-10')).toEqual([])
    expect((await day(ann, '2026-06-11')).map((e) => [e.title, e.start])).toEqual([
      ['Planning (moved)', '2026-06-11T12:00:00.000Z'],
    ])
    expect((await api(bob, 'GET', `/v1/calendar/events/${eventId}`)).status).toBe(404)
    expect(await day(bob, '2026-06-11')).toEqual([])

    // attendees neither edit nor cancel; the organiser cancels and the attendees are told
    expect((await api(ann, 'PUT', `/v1/calendar/events/${eventId}`, event())).status).toBe(403)
    expect((await api(ann, 'DELETE', `/v1/calendar/events/${eventId}`)).status).toBe(403)
    expect((await api(organiser, 'DELETE', `/v1/calendar/events/${eventId}`)).status).toBe(204)
    expect((await api(ann, 'GET', `/v1/calendar/events/${eventId}`)).status).toBe(404)
    expect(await day(organiser, '2026-06-11')).toEqual([])
    expect((await noticesOf(cleo.memberId)).filter((n) => n.ref === eventId).map((n) => n.kind)).toEqual([
      'calendar.cancelled',
    ])
  })

  it('keeps every answer given while the organiser edits (20 attendees answering at once)', async () => {
    const extra = await addBareMembers(tenantA, 17)
    const ids = [ann.memberId, bob.memberId, cleo.memberId, ...extra]
    const { eventId } = await create(organiser, event({ attendees: ids }))
    const answers = await Promise.all([
      ...[ann, bob, cleo].map((p) =>
        api(p, 'PUT', `/v1/calendar/events/${eventId}/response`, { response: 'tentative' }).then(
          (r) => r.status,
        ),
      ),
      ...extra.map((m) => respond(scopeOf(tenantId), m, eventId, 'tentative').then(() => 200)),
      ...[1, 2].map((i) =>
        api(
          organiser,
          'PUT',
          `/v1/calendar/events/${eventId}`,
          event({ title: `Edit ${i}`, attendees: ids }),
        ).then((r) => r.status),
      ),
    ])
    expect(answers).toEqual(Array(22).fill(200))
    const after = await api(organiser, 'GET', `/v1/calendar/events/${eventId}`)
    expect(after.body.attendees).toHaveLength(21)
    expect(after.body.attendees.filter((a: { response: string }) => a.response === 'tentative')).toHaveLength(
      20,
    )
  })

  it('expands daily, weekly and monthly rules with count or until, on the wall clock across DST', async () => {
    // Berlin moves to summer time on 2026-03-29: 09:00 stays 09:00 (08:00Z, then 07:00Z)
    const daily = await create(
      ann,
      event({
        title: 'Stand-up',
        start: '2026-03-27T09:00',
        end: '2026-03-27T09:15',
        rrule: 'FREQ=DAILY;COUNT=4',
      }),
    )
    const standUp = async (date: string) => (await day(ann, date)).filter((e) => e.eventId === daily.eventId)
    expect((await standUp('2026-03-27')).map((e) => e.start)).toEqual(['2026-03-27T08:00:00.000Z'])
    expect((await standUp('2026-03-29')).map((e) => e.start)).toEqual(['2026-03-29T07:00:00.000Z'])
    expect((await standUp('2026-03-30')).map((e) => e.end)).toEqual(['2026-03-30T07:15:00.000Z'])
    expect(await standUp('2026-03-31')).toEqual([])

    // every second week on Monday and Wednesday until 2026-11-04 (a date: that day is in), across
    // the change back on 2026-10-25
    const weekly = await create(
      ann,
      event({
        title: 'Review',
        start: '2026-10-19T16:00',
        end: '2026-10-19T17:00',
        rrule: 'freq=weekly;interval=2;byday=MO,WE;until=20261104',
      }),
    )
    const review = async (date: string) => (await day(ann, date)).filter((e) => e.eventId === weekly.eventId)
    expect((await review('2026-10-21')).map((e) => e.start)).toEqual(['2026-10-21T14:00:00.000Z'])
    expect(await review('2026-10-26')).toEqual([])
    expect((await review('2026-11-02')).map((e) => e.start)).toEqual(['2026-11-02T15:00:00.000Z'])
    expect((await review('2026-11-04')).map((e) => e.start)).toEqual(['2026-11-04T15:00:00.000Z'])
    expect(await review('2026-11-16')).toEqual([])
    expect((await api(ann, 'GET', `/v1/calendar/events/${weekly.eventId}`)).body.rrule).toBe(
      'FREQ=WEEKLY;INTERVAL=2;UNTIL=20261104;BYDAY=MO,WE',
    )

    // monthly on the 31st: months without one have none (RFC 5545); an all-day event by its dates
    const monthly = await create(
      ann,
      event({
        title: 'Close',
        allDay: true,
        start: '2027-01-31',
        end: '2027-02-01',
        rrule: 'FREQ=MONTHLY;COUNT=3',
      }),
    )
    const close = async (date: string, timeZone?: string) =>
      (await day(ann, date, timeZone)).filter((e) => e.eventId === monthly.eventId)
    expect((await close('2027-01-31')).map((e) => [e.start, e.end])).toEqual([['2027-01-31', '2027-02-01']])
    expect(await close('2027-02-28')).toEqual([])
    expect((await close('2027-03-31', 'Pacific/Auckland')).map((e) => e.start)).toEqual(['2027-03-31'])
    expect((await close('2027-05-31', 'America/Los_Angeles')).length).toBe(1)
    expect(await close('2027-07-31')).toEqual([])
  })

  it("serves a member's day for the home page, declined events left out", async () => {
    const { eventId } = await create(
      organiser,
      event({
        title: 'Lunch',
        start: '2026-07-01T12:00',
        end: '2026-07-01T13:00',
        attendees: [bob.memberId],
      }),
    )
    const other = await create(
      organiser,
      event({
        title: 'Offsite',
        start: '2026-07-01T15:00',
        end: '2026-07-01T16:00',
        attendees: [bob.memberId],
      }),
    )
    await api(bob, 'PUT', `/v1/calendar/events/${other.eventId}/response`, { response: 'declined' })
    expect(await memberSchedule(scopeOf(tenantId), bob.memberId, '2026-07-01', BERLIN)).toEqual({
      date: '2026-07-01',
      events: [
        {
          eventId,
          title: 'Lunch',
          start: '2026-07-01T10:00:00.000Z',
          end: '2026-07-01T11:00:00.000Z',
          allDay: false,
        },
      ],
    })
  })

  it("shows colleagues' free/busy without details, and nobody else's", async () => {
    await create(
      cleo,
      event({ title: 'Secret', location: 'Vault', start: '2026-08-03T09:00', end: '2026-08-03T10:30' }),
    )
    await create(cleo, event({ title: 'Overlap', start: '2026-08-03T10:00', end: '2026-08-03T11:00' }))
    const weekly = await create(
      organiser,
      event({
        start: '2026-08-03T14:00',
        end: '2026-08-03T15:00',
        rrule: 'FREQ=WEEKLY;COUNT=2',
        attendees: [cleo.memberId],
      }),
    )
    const declined = await create(
      organiser,
      event({ start: '2026-08-04T08:00', end: '2026-08-04T09:00', attendees: [cleo.memberId] }),
    )
    await api(cleo, 'PUT', `/v1/calendar/events/${declined.eventId}/response`, { response: 'declined' })
    const res = await api(bob, 'GET', '/v1/calendar/free-busy', undefined, {
      members: `${cleo.memberId},${bob.memberId}`,
      from: '2026-08-03T00:00:00+02:00',
      to: '2026-08-11T00:00:00+02:00',
    })
    expect(res.status).toBe(200)
    expect(res.body.members).toEqual([
      {
        memberId: cleo.memberId,
        busy: [
          { start: '2026-08-03T07:00:00.000Z', end: '2026-08-03T09:00:00.000Z' },
          { start: '2026-08-03T12:00:00.000Z', end: '2026-08-03T13:00:00.000Z' },
          { start: '2026-08-10T12:00:00.000Z', end: '2026-08-10T13:00:00.000Z' },
        ],
      },
      { memberId: bob.memberId, busy: [] },
    ])
    expect(JSON.stringify(res.body)).not.toMatch(/Secret|Vault|Planning/)
    expect(weekly.eventId).toBeDefined()

    const crossed = await api(bob, 'GET', '/v1/calendar/free-busy', undefined, {
      members: stranger.memberId,
      from: '2026-08-03T00:00:00Z',
      to: '2026-08-04T00:00:00Z',
    })
    expect(crossed.status).toBe(404)
    const bad = await api(bob, 'GET', '/v1/calendar/free-busy', undefined, {
      members: 'not an id',
      from: '2026-08-04T00:00:00Z',
      to: '2026-08-03T00:00:00Z',
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      expect.arrayContaining(['query.members.0']),
    )
  })

  it('answers 400 naming the field for anything outside the subset or out of bounds', async () => {
    const refused = async (body: Record<string, unknown>) => {
      const res = await api(organiser, 'POST', '/v1/calendar/events', body)
      expect(res.status).toBe(400)
      return res.body.error.details.map((d: { path: string }) => d.path)
    }
    expect(await refused(event({ rrule: 'FREQ=YEARLY' }))).toEqual(['body.rrule'])
    expect(await refused(event({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=1' }))).toEqual(['body.rrule'])
    expect(await refused(event({ rrule: 'FREQ=DAILY;COUNT=2;UNTIL=20270101' }))).toEqual(['body.rrule'])
    expect(await refused(event({ rrule: 'FREQ=WEEKLY;BYDAY=TU' }))).toEqual(['body.rrule'])
    expect(await refused(event({ end: '2026-06-10T08:00' }))).toEqual(['body.end'])
    expect(await refused(event({ end: '2026-06-30T08:00' }))).toEqual(['body.end'])
    expect(await refused(event({ timeZone: 'Mars/Olympus' }))).toEqual(['body.timeZone'])
    expect(await refused(event({ allDay: true }))).toEqual(['body.start', 'body.end'])
    expect(await refused(event({ start: '2026-02-30T09:00' }))).toEqual(['body.start'])
    expect(await refused(event({ reminders: [10, 10] }))).toEqual(['body.reminders'])
    expect(await refused(event({ attendees: [bob.memberId, stranger.memberId] }))).toEqual([
      'body.attendees.1',
    ])
    const day = await api(organiser, 'GET', '/v1/me/calendar/day', undefined, { date: '2026-13-01' })
    expect([day.status, day.body.error.details[0].path]).toEqual([400, 'query.date'])
    const { eventId } = await create(organiser, event())
    const answer = await api(organiser, 'PUT', `/v1/calendar/events/${eventId}/response`, {
      response: 'maybe',
    })
    expect([answer.status, answer.body.error.details[0].path]).toEqual([400, 'body.response'])
  })

  it("answers 404 for another tenant's events, and to those not invited", async () => {
    const { eventId } = await create(organiser, event({ attendees: [ann.memberId] }))
    for (const [method, path, body] of [
      ['GET', `/v1/calendar/events/${eventId}`, undefined],
      ['PUT', `/v1/calendar/events/${eventId}`, event()],
      ['DELETE', `/v1/calendar/events/${eventId}`, undefined],
      ['PUT', `/v1/calendar/events/${eventId}/response`, { response: 'accepted' }],
    ] as const) {
      expect([method, path, (await api(stranger, method, path, body)).status]).toEqual([method, path, 404])
      expect([method, path, (await api(bob, method, path, body)).status]).toEqual([method, path, 404])
    }
    expect((await api(ann, 'GET', `/v1/calendar/events/${eventId}`)).status).toBe(200)
  })

  it('fires each reminder once, at its minute, for single and recurring events', async () => {
    const base = Math.ceil((nowMs() + 3 * HOUR) / HOUR) * HOUR
    const single = await create(
      organiser,
      event({
        title: 'Demo',
        start: wallClock(base, BERLIN),
        end: wallClock(base + HOUR, BERLIN),
        reminders: [30, 10],
        attendees: [ann.memberId, bob.memberId],
      }),
    )
    await api(bob, 'PUT', `/v1/calendar/events/${single.eventId}/response`, { response: 'declined' })
    const series = await create(
      ann,
      event({
        title: 'Daily',
        timeZone: 'Asia/Tokyo',
        start: wallClock(base + 2 * HOUR, 'Asia/Tokyo'),
        end: wallClock(base + 3 * HOUR, 'Asia/Tokyo'),
        rrule: 'FREQ=DAILY;COUNT=2',
        reminders: [5],
      }),
    )
    const got = async (who: Person, eventId: string) =>
      (await noticesOf(who.memberId)).filter((n) => n.ref === eventId && n.kind === 'calendar.reminder')
        .length
    const runAt = async (at: number) => {
      advanceClock(at - nowMs())
      return reminders({}, undefined)
    }

    await runAt(base - 31 * MINUTE)
    expect(await got(organiser, single.eventId)).toBe(0)
    // two runs at once, at the minute: one reminder each
    await Promise.all([runAt(base - 30 * MINUTE), reminders({}, undefined)])
    expect([
      await got(organiser, single.eventId),
      await got(ann, single.eventId),
      await got(bob, single.eventId),
    ]).toEqual([1, 1, 0])
    await runAt(base - 20 * MINUTE)
    expect(await got(ann, single.eventId)).toBe(1)
    await runAt(base - 10 * MINUTE)
    expect(await got(ann, single.eventId)).toBe(2)
    await runAt(base + 2 * HOUR - 6 * MINUTE)
    expect(await got(ann, series.eventId)).toBe(0)
    await runAt(base + 2 * HOUR - 5 * MINUTE)
    await runAt(base + 2 * HOUR)
    expect(await got(ann, series.eventId)).toBe(1)
    await runAt(base + 26 * HOUR - 5 * MINUTE)
    expect(await got(ann, series.eventId)).toBe(2)
    await runAt(base + 50 * HOUR)
    expect([await got(ann, series.eventId), await got(ann, single.eventId)]).toEqual([2, 2])
    const [notice] = (await noticesOf(ann.memberId)).filter((n) => n.ref === series.eventId)
    expect(notice).toMatchObject({
      title: 'Daily',
      body: `starts at ${new Date(base + 2 * HOUR).toISOString()}`,
    })
  })

  it('cancels one occurrence and changes another on their own, seen in the day and in free/busy', async () => {
    const { eventId } = await create(
      organiser,
      event({
        start: '2026-09-07T09:00',
        end: '2026-09-07T10:00',
        location: 'Room 1',
        rrule: 'FREQ=DAILY;COUNT=5',
        attendees: [ann.memberId],
      }),
    )
    const occurrence = (at: string) => `/v1/calendar/events/${eventId}/occurrences/${at}`
    const mine = async (date: string) =>
      (await day(ann, date)).filter((e) => e.eventId === eventId) as {
        title: string
        start: string
        recurrenceId?: string
        location?: string
      }[]

    expect((await api(organiser, 'DELETE', occurrence('2026-09-08T09:00'))).status).toBe(204)
    const moved = await api(organiser, 'PUT', occurrence('2026-09-09T09:00'), {
      title: 'Planning (moved)',
      location: 'Room 2',
      start: '2026-09-09T15:00',
      end: '2026-09-09T16:00',
    })
    expect(moved.status).toBe(200)
    expect(moved.body.exceptions).toEqual([
      { recurrenceId: '2026-09-08T09:00', cancelled: true },
      {
        recurrenceId: '2026-09-09T09:00',
        title: 'Planning (moved)',
        location: 'Room 2',
        start: '2026-09-09T15:00',
        end: '2026-09-09T16:00',
      },
    ])
    // the last occurrence moves past the series' end: the day's query still finds it
    await api(organiser, 'PUT', occurrence('2026-09-11T09:00'), {
      start: '2026-09-13T10:00',
      end: '2026-09-13T11:00',
    })

    expect((await mine('2026-09-07')).map((e) => [e.start, e.recurrenceId])).toEqual([
      ['2026-09-07T07:00:00.000Z', '2026-09-07T09:00'],
    ])
    expect(await mine('2026-09-08')).toEqual([])
    expect(await mine('2026-09-09')).toEqual([
      expect.objectContaining({
        title: 'Planning (moved)',
        location: 'Room 2',
        start: '2026-09-09T13:00:00.000Z',
        recurrenceId: '2026-09-09T09:00',
      }),
    ])
    expect(await mine('2026-09-11')).toEqual([])
    expect((await mine('2026-09-13')).map((e) => [e.title, e.start, e.location])).toEqual([
      ['Planning', '2026-09-13T08:00:00.000Z', 'Room 1'],
    ])
    const busy = await api(bob, 'GET', '/v1/calendar/free-busy', undefined, {
      members: ann.memberId,
      from: '2026-09-07T00:00:00Z',
      to: '2026-09-14T00:00:00Z',
    })
    expect(busy.body.members[0].busy).toEqual([
      { start: '2026-09-07T07:00:00.000Z', end: '2026-09-07T08:00:00.000Z' },
      { start: '2026-09-09T13:00:00.000Z', end: '2026-09-09T14:00:00.000Z' },
      { start: '2026-09-10T07:00:00.000Z', end: '2026-09-10T08:00:00.000Z' },
      { start: '2026-09-13T08:00:00.000Z', end: '2026-09-13T09:00:00.000Z' },
    ])
    expect(
      (await noticesOf(ann.memberId))
        .filter((n) => n.ref === eventId)
        .map((n) => n.kind)
        .sort(),
    ).toEqual(['calendar.cancelled', 'calendar.changed', 'calendar.changed'])

    // an edit that keeps the series' times keeps its exceptions; nothing of its own brings one back
    await api(
      organiser,
      'PUT',
      `/v1/calendar/events/${eventId}`,
      event({
        title: 'Planning 2',
        start: '2026-09-07T09:00',
        end: '2026-09-07T10:00',
        rrule: 'FREQ=DAILY;COUNT=5',
        attendees: [ann.memberId],
      }),
    )
    expect((await mine('2026-09-09')).map((e) => e.title)).toEqual(['Planning (moved)'])
    expect((await api(organiser, 'PUT', occurrence('2026-09-08T09:00'), {})).status).toBe(200)
    expect((await mine('2026-09-08')).map((e) => e.title)).toEqual(['Planning 2'])

    // only the organiser; nobody outside the event or the tenant learns it exists
    expect((await api(ann, 'DELETE', occurrence('2026-09-10T09:00'))).status).toBe(403)
    expect((await api(ann, 'PUT', occurrence('2026-09-10T09:00'), { title: 'Mine' })).status).toBe(403)
    for (const who of [stranger, bob]) {
      expect((await api(who, 'DELETE', occurrence('2026-09-10T09:00'))).status).toBe(404)
      expect((await api(who, 'PUT', occurrence('2026-09-10T09:00'), { title: 'X' })).status).toBe(404)
    }

    const refused = async (method: string, at: string, body?: unknown) => {
      const res = await api(organiser, method, occurrence(at), body)
      expect(res.status).toBe(400)
      return res.body.error.details.map((d: { path: string }) => d.path)
    }
    expect(await refused('DELETE', '2026-09-08T10:00')).toEqual(['path.recurrenceId'])
    expect(await refused('DELETE', '2026-09-12T09:00')).toEqual(['path.recurrenceId'])
    expect(await refused('DELETE', '2026-09-08')).toEqual(['path.recurrenceId'])
    expect(await refused('DELETE', 'soon')).toEqual(['path.recurrenceId'])
    expect(await refused('PUT', '2026-09-10T09:00', { start: '2026-09-10T11:00' })).toEqual(['body.end'])
    expect(
      await refused('PUT', '2026-09-10T09:00', { start: '2026-09-10T11:00', end: '2026-09-10T10:00' }),
    ).toEqual(['body.end'])
    expect(await refused('PUT', '2026-09-10T09:00', { start: '2026-09-10', end: '2026-09-11' })).toEqual([
      'body.start',
      'body.end',
    ])
    const single = await create(organiser, event())
    const once = await api(
      organiser,
      'DELETE',
      `/v1/calendar/events/${single.eventId}/occurrences/2026-06-10T09:00`,
    )
    expect([once.status, once.body.error.details[0].path]).toEqual([400, 'path.recurrenceId'])
  })

  it('reminds no cancelled occurrence, and a moved one at its new time', async () => {
    const base = Math.ceil((nowMs() + 3 * HOUR) / HOUR) * HOUR
    const { eventId } = await create(
      organiser,
      event({
        title: 'Rota',
        start: wallClock(base, BERLIN),
        end: wallClock(base + HOUR, BERLIN),
        rrule: 'FREQ=DAILY;COUNT=3',
        reminders: [10],
        attendees: [cleo.memberId],
      }),
    )
    const occurrence = (at: number) => `/v1/calendar/events/${eventId}/occurrences/${wallClock(at, BERLIN)}`
    expect((await api(organiser, 'DELETE', occurrence(base + 24 * HOUR))).status).toBe(204)
    const moveTo = base + 50 * HOUR
    const moved = await api(organiser, 'PUT', occurrence(base + 48 * HOUR), {
      start: wallClock(moveTo, BERLIN),
      end: wallClock(moveTo + HOUR, BERLIN),
    })
    expect(moved.status).toBe(200)
    const reminded = async () =>
      (await noticesOf(cleo.memberId)).filter((n) => n.ref === eventId && n.kind === 'calendar.reminder')
    const runAt = async (at: number) => {
      advanceClock(at - nowMs())
      await reminders({}, undefined)
      return (await reminded()).length
    }
    expect(await runAt(base - 10 * MINUTE)).toBe(1)
    expect(await runAt(base + 24 * HOUR - 10 * MINUTE)).toBe(1)
    expect(await runAt(base + 48 * HOUR - 10 * MINUTE)).toBe(1)
    expect(await runAt(moveTo - 10 * MINUTE)).toBe(2)
    expect(await runAt(moveTo + 24 * HOUR)).toBe(2)
    expect((await reminded()).map((n) => n.body).sort()).toEqual(
      [`starts at ${new Date(base).toISOString()}`, `starts at ${new Date(moveTo).toISOString()}`].sort(),
    )
  })

  it("refuses new events once the workbench's calendar app is not bound", async () => {
    await getDocumentClient().send(
      new DeleteCommand({
        TableName: config().ATRIUM_TABLE_NAME,
        Key: { PK: `T#${tenantB}`, SK: 'APP#calendar' },
      }),
    )
    const res = await api(stranger, 'POST', '/v1/calendar/events', event())
    expect([res.status, res.body.error.code]).toEqual([422, 'PLAN_LIMIT_EXCEEDED'])
  })
})
