import { QueryCommand } from 'dynamodb-toolbox'
import { nowMs } from '../core/clock.js'
import { table } from '../core/db/table.js'
import { notFound } from '../core/errors.js'
import type { TenantScope } from '../core/tenancy.js'
import { type Membership, membershipRequest } from '../identity/accounts.js'
import { calendarPartition, EntryEntity, OPEN_END, SERIES, SINGLE } from './entities.js'
import type { EntryItem } from './events.js'
import { timingOf } from './events.js'
import {
  DAY,
  dayRange,
  formatLocal,
  localDate,
  type Occurrence,
  occurrencesBetween,
  utcToLocal,
} from './recurrence.js'
import { type FreeBusy, MAX_EVENT_DAYS, type OccurrenceView } from './schemas.js'

const iso = (ms: number) => new Date(ms).toISOString()

const entriesBetween = async (tenantId: string, memberId: string, from: string, to: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(EntryEntity)
    .query({
      index: 'GSI1',
      partition: calendarPartition(tenantId, memberId),
      range: { between: [from, to] },
    })
    .options({ maxPages: Number.POSITIVE_INFINITY })
    .send()
  return Items as EntryItem[]
}

/**
 * A member's entries that may have an occurrence in `[from, to)`: two queries of their calendar
 * partition, in parallel, whatever the tenant's size and the member's history: single events that
 * start at most MAX_EVENT_DAYS before (and a day either side, for all-day dates in another zone),
 * and series that have not ended before. Each is expanded in code.
 */
const entriesAround = async (tenantId: string, memberId: string, from: number, to: number) => {
  const [singles, series] = await Promise.all([
    entriesBetween(
      tenantId,
      memberId,
      `${SINGLE}${iso(from - (MAX_EVENT_DAYS + 1) * DAY)}`,
      `${SINGLE}${iso(to + DAY)}`,
    ),
    entriesBetween(tenantId, memberId, `${SERIES}${iso(from - DAY)}`, `${SERIES}${OPEN_END}~`),
  ])
  return [...singles, ...series]
}

const occurrencesOf = (e: EntryItem, from: number, to: number) =>
  occurrencesBetween(timingOf(e), from - DAY, to + DAY).map((o) => ({ e, o }))

/** Whether an occurrence falls on a date: an all-day one by its own dates, a timed one by instants. */
const onDay = (e: EntryItem, o: Occurrence, date: string, from: number, to: number) =>
  e.allDay ? localDate(o.localStart) <= date && date < localDate(o.localEnd) : o.start < to && o.end > from

/** A member's events on a date in a time zone, recurring occurrences included: all-day first, then by start. */
export const memberDay = async (
  scope: TenantScope,
  memberId: string,
  date: string,
  timeZone: string,
): Promise<OccurrenceView[]> => {
  const [from, to] = dayRange(date, timeZone)
  const entries = await entriesAround(scope.tenantId, memberId, from, to)
  return entries
    .flatMap((e) => occurrencesOf(e, from, to))
    .filter(({ e, o }) => onDay(e, o, date, from, to))
    .sort((a, b) => Number(b.e.allDay) - Number(a.e.allDay) || a.o.start - b.o.start)
    .map(({ e, o }) => ({
      eventId: e.eventId,
      title: o.title ?? e.title,
      location: o.location ?? e.location,
      allDay: e.allDay,
      start: e.allDay ? localDate(o.localStart) : iso(o.start),
      end: e.allDay ? localDate(o.localEnd) : iso(o.end),
      timeZone: e.timeZone,
      recurring: e.rrule !== undefined,
      recurrenceId: e.rrule === undefined ? undefined : formatLocal(o.recurrenceId, e.allDay),
      organiser: e.organiserId === memberId,
      response: e.response,
    }))
}

/**
 * A member's day in the shape of the home page's `schedule` (lib/home/schemas.ts): the events they
 * have not declined. Two DynamoDB requests, in parallel.
 */
export const memberSchedule = async (
  scope: TenantScope,
  memberId: string,
  date: string,
  timeZone = 'UTC',
) => ({
  date,
  events: (await memberDay(scope, memberId, date, timeZone))
    .filter((o) => o.response !== 'declined')
    .map(({ eventId, title, start, end, allDay, location }) => ({
      eventId,
      title,
      start,
      end,
      allDay,
      location,
    })),
})

/** Today's date (YYYY-MM-DD) in a time zone. */
export const todayIn = (timeZone: string) => localDate(utcToLocal(timeZone, nowMs()))

/** Overlapping blocks merged, so nothing tells how many events made them. */
const merged = (blocks: [number, number][]) => {
  const out: [number, number][] = []
  for (const [s, e] of blocks.sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1)
    if (last && s <= last[1]) last[1] = Math.max(last[1], e)
    else out.push([s, e])
  }
  return out
}

/** The colleagues' memberships free/busy checks, read along with the session check (no request of their own). */
export const colleaguesRead = (tenantId: string, memberIds: string[]) =>
  memberIds.map((id) => membershipRequest('tenant', tenantId, id))

/**
 * When colleagues are busy between two instants: blocks only (no title, location or attendees),
 * events they declined left out. `memberships` are the colleagues' (colleaguesRead, in order): one
 * that is not the caller's tenant's is a 404 before anything is read. Then two queries per member,
 * all in parallel: with the session check, 1 + 2N requests for N colleagues.
 */
export const freeBusy = async (
  scope: TenantScope,
  memberIds: string[],
  fromIso: string,
  toIso: string,
  memberships: readonly unknown[],
): Promise<FreeBusy> => {
  if (memberIds.some((id, i) => (memberships[i] as Membership | undefined)?.accountId !== id))
    throw notFound('member')
  const from = Date.parse(fromIso)
  const to = Date.parse(toIso)
  const calendars = await Promise.all(memberIds.map((m) => entriesAround(scope.tenantId, m, from, to)))
  return {
    from: iso(from),
    to: iso(to),
    members: memberIds.map((memberId, i) => ({
      memberId,
      busy: merged(
        (calendars[i] ?? [])
          .filter((e) => e.response !== 'declined')
          .flatMap((e) => occurrencesBetween(timingOf(e), from, to))
          .map((o): [number, number] => [Math.max(o.start, from), Math.min(o.end, to)]),
      ).map(([s, e]) => ({ start: iso(s), end: iso(e) })),
    })),
  }
}
