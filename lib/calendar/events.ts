import {
  DeleteTransaction,
  type FormattedItem,
  PutTransaction,
  QueryCommand,
  UpdateItemCommand,
} from 'dynamodb-toolbox'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { auditWrite } from '../core/audit.js'
import { nowIso, nowMs } from '../core/clock.js'
import { isConditionFailure, retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { MAX_TRANSACTION_ACTIONS, transaction } from '../core/db/transaction.js'
import { AppError, forbidden, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { getMemberships } from '../identity/accounts.js'
import { notifyMembers } from '../notices/notify.js'
import { reminderState } from './due.js'
import {
  calendarPartition,
  EntryEntity,
  EventEntity,
  eventPrefix,
  OPEN_END,
  SERIES,
  SINGLE,
} from './entities.js'
import { formatRule, isSeriesStart, parseLocal, spanOf, type Timing } from './recurrence.js'
import { type EventInput, type EventView, MAX_EXCEPTIONS, type OccurrenceInput } from './schemas.js'

export type EventItem = FormattedItem<typeof EventEntity>
export type EntryItem = FormattedItem<typeof EntryEntity>

/** The edition's app a tenant needs to create events. */
export const CALENDAR_APP = 'calendar'

/** Writes of an edit besides the entries: the event and the audit entry. */
const FIXED_WRITES = 2

export const timingOf = (e: Timing): Timing => ({
  timeZone: e.timeZone,
  allDay: e.allDay,
  start: e.start,
  end: e.end,
  ...(e.rrule ? { rrule: e.rrule } : {}),
  ...(e.exceptions?.length ? { exceptions: e.exceptions } : {}),
})

/** An event and its entries, in one consistent query of the event's prefix. */
export const readEvent = async (tenantId: string, eventId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(EventEntity, EntryEntity)
    .query({ partition: tenantPartition(tenantId), range: { beginsWith: eventPrefix(eventId) } })
    .options({ consistent: true, maxPages: Number.POSITIVE_INFINITY })
    .send()
  const entries = Items.filter((i): i is EntryItem => 'memberId' in i)
  const event = Items.find((i): i is EventItem => !('memberId' in i))
  return { event, entries }
}

/** The event as the caller may see it: its organiser and attendees only; anyone else gets a 404. */
const visibleEvent = async (scope: TenantScope, memberId: string, eventId: string) => {
  const found = await readEvent(scope.tenantId, eventId)
  const { event, entries } = found
  if (!event || (event.organiserId !== memberId && !entries.some((e) => e.memberId === memberId)))
    throw notFound('event')
  return { event, entries }
}

const organisedEvent = async (scope: TenantScope, memberId: string, eventId: string) => {
  const found = await visibleEvent(scope, memberId, eventId)
  if (found.event.organiserId !== memberId) throw forbidden('only the organiser changes or cancels an event')
  return found
}

const toView = (event: EventItem, entries: EntryItem[]): EventView => ({
  eventId: event.eventId,
  title: event.title,
  description: event.description,
  location: event.location,
  ...timingOf(event),
  exceptions: event.exceptions ?? [],
  organiserId: event.organiserId,
  attendees: entries.map((e) => ({ memberId: e.memberId, response: e.response })),
  reminders: event.reminders,
  createdAt: event.createdAt,
  updatedAt: event.updatedAt,
})

/** Attendees must be members of the caller's tenant, enabled: one BatchGetItem. */
const checkAttendees = async (scope: TenantScope, memberIds: string[], asked: string[]) => {
  if (memberIds.length === 0) return
  const found = new Set(
    (await getMemberships('tenant', scope.tenantId, memberIds))
      .filter((m) => m.status === 'active')
      .map((m) => m.accountId),
  )
  const issues = asked.flatMap((id, i) =>
    memberIds.includes(id) && !found.has(id)
      ? [{ path: `body.attendees.${i}`, message: 'not an enabled member of the workbench' }]
      : [],
  )
  if (issues.length > 0) throw new AppError('VALIDATION_FAILED', 'unknown attendees', issues)
}

const iso = (ms: number) => new Date(ms).toISOString()

/** An entry's place in its member's calendar (see EntryEntity). */
const entryFields = (tenantId: string, eventId: string, memberId: string, event: EventItem) => {
  const t = timingOf(event)
  const span = spanOf(t)
  return {
    tenantId,
    eventId,
    memberId,
    title: event.title,
    location: event.location,
    ...t,
    organiserId: event.organiserId,
    firstStart: iso(span.first),
    lastEnd: span.last === undefined ? undefined : iso(span.last),
    GSI1PK: calendarPartition(tenantId, memberId),
    GSI1SK: t.rrule
      ? `${SERIES}${span.last === undefined ? OPEN_END : iso(span.last)}#${eventId}`
      : `${SINGLE}${iso(span.first)}#${eventId}`,
  }
}

type EventFields = Pick<EventItem, 'title' | 'description' | 'location' | 'reminders'> & Timing

const eventItem = (
  scope: TenantScope,
  eventId: string,
  fields: EventFields,
  base: { organiserId: string; rev: number; createdAt: string },
): EventItem => {
  const timing = timingOf(fields)
  return {
    tenantId: scope.tenantId,
    eventId,
    title: fields.title,
    description: fields.description,
    location: fields.location,
    ...timing,
    reminders: fields.reminders,
    ...base,
    updatedAt: nowIso(),
    // reminders whose time has already passed when an event is written are not sent
    ...reminderState(scope.tenantId, eventId, timing, fields.reminders, nowMs()),
  }
}

const inputFields = (input: EventInput): EventFields => ({
  ...input,
  rrule: input.rrule && formatRule(input.rrule),
})

/**
 * Changes that keep the series' times keep its occurrences changed on their own (those still in the
 * series); new times, a new zone or a new start make them meaningless, and they go.
 */
const keptExceptions = (before: EventItem, after: Timing) =>
  before.timeZone === after.timeZone &&
  before.allDay === after.allDay &&
  before.start === after.start &&
  before.end === after.end
    ? (before.exceptions ?? []).filter((x) => isSeriesStart(after, parseLocal(x.recurrenceId) as number))
    : []

const editionError = () =>
  new AppError(
    'PLAN_LIMIT_EXCEEDED',
    "the workbench's calendar app is not active (not in its edition, or lapsed)",
    {
      app: CALENDAR_APP,
    },
  )

/**
 * Creates an event: the event, the organiser's entry (accepted) and each attendee's (needs action),
 * in one transaction that also checks the tenant's calendar app is bound and active.
 */
export const createEvent = async (tenant: TenantContext, input: EventInput): Promise<EventView> => {
  const organiserId = tenant.actor.accountId
  const attendees = input.attendees.filter((a) => a !== organiserId)
  await checkAttendees(tenant, attendees, input.attendees)
  const at = nowIso()
  const event = eventItem(tenant, newId(), inputFields(input), { organiserId, rev: 1, createdAt: at })
  const entries: EntryItem[] = [organiserId, ...attendees].map((memberId) => ({
    ...entryFields(tenant.tenantId, event.eventId, memberId, event),
    response: memberId === organiserId ? 'accepted' : 'needs-action',
  }))
  await transaction()
    .add(
      'event',
      EventEntity.build(PutTransaction)
        .item(event)
        .options({ condition: { attr: 'eventId', exists: false } }),
    )
    .add('entries', ...entries.map((e) => EntryEntity.build(PutTransaction).item(e)))
    .add('edition', tenantAppStill(tenant.tenantId, CALENDAR_APP, 'active'))
    .add(
      'audit',
      auditWrite(tenant, { actorId: organiserId, action: 'calendar.event.created', targetId: event.eventId }),
    )
    .run({ edition: editionError })
  return toView(event, entries)
}

export const getEvent = async (scope: TenantScope, memberId: string, eventId: string) => {
  const { event, entries } = await visibleEvent(scope, memberId, eventId)
  return toView(event, entries)
}

/**
 * Writes an event the organiser changed and every attendee's entry (`members`; those gone are
 * deleted) in one transaction: the event only if unchanged since it was read (its rev, which a
 * firing reminder moves on too) and each kept entry only if its response is, so a concurrent
 * response or edit makes the change read again. Kept attendees keep their response.
 */
const writeEvent = async (
  tenant: TenantContext,
  read: { event: EventItem; entries: EntryItem[] },
  next: EventItem,
  members: string[],
  action: string,
) => {
  const had = new Map(read.entries.map((e) => [e.memberId, e]))
  const gone = read.entries.filter((e) => !members.includes(e.memberId))
  const kept: EntryItem[] = members.map((memberId) => ({
    ...entryFields(tenant.tenantId, next.eventId, memberId, next),
    response: had.get(memberId)?.response ?? 'needs-action',
  }))
  await transaction()
    .add(
      'event',
      EventEntity.build(PutTransaction)
        .item(next)
        .options({ condition: { attr: 'rev', eq: read.event.rev } }),
    )
    .add(
      'entries',
      ...kept.map((e) => {
        const before = had.get(e.memberId)
        return EntryEntity.build(PutTransaction)
          .item(e)
          .options({
            condition: before
              ? { attr: 'response', eq: before.response }
              : { attr: 'memberId', exists: false },
          })
      }),
      ...gone.map((e) =>
        EntryEntity.build(DeleteTransaction)
          .key(e)
          .options({ condition: { attr: 'response', eq: e.response } }),
      ),
    )
    .add('audit', auditWrite(tenant, { actorId: tenant.actor.accountId, action, targetId: next.eventId }))
    .run({ event: () => new StaleRead('event'), entries: () => new StaleRead('entries') })
  return toView(next, kept)
}

/** The attendees to tell of a change: those who have not declined, the organiser aside. */
const toTell = (event: EventItem, entries: EntryItem[]) =>
  entries.filter((e) => e.memberId !== event.organiserId && e.response !== 'declined').map((e) => e.memberId)

/**
 * The organiser rewrites the whole series. Attendees kept keep their response, and the series its
 * occurrences changed on their own while its times stay (keptExceptions).
 */
export const replaceEvent = async (tenant: TenantContext, eventId: string, input: EventInput) =>
  retryOnConflict(async () => {
    const organiserId = tenant.actor.accountId
    const read = await organisedEvent(tenant, organiserId, eventId)
    const { event, entries } = read
    const members = [organiserId, ...input.attendees.filter((a) => a !== organiserId)]
    const gone = entries.filter((e) => !members.includes(e.memberId))
    if (members.length + gone.length + FIXED_WRITES > MAX_TRANSACTION_ACTIONS)
      throw new AppError('VALIDATION_FAILED', 'too many attendees changed at once', [
        {
          path: 'body.attendees',
          message: `attendees added and removed at once: at most ${MAX_TRANSACTION_ACTIONS - FIXED_WRITES - 1} in all; change them in two steps`,
        },
      ])
    const had = new Set(entries.map((e) => e.memberId))
    await checkAttendees(
      tenant,
      members.filter((m) => !had.has(m)),
      input.attendees,
    )
    const fields = inputFields(input)
    const next = eventItem(
      tenant,
      eventId,
      { ...fields, exceptions: keptExceptions(event, fields) },
      { organiserId, rev: event.rev + 1, createdAt: event.createdAt },
    )
    return writeEvent(tenant, read, next, members, 'calendar.event.updated')
  })

const notAnOccurrence = (event: EventItem) =>
  new AppError('VALIDATION_FAILED', 'not an occurrence of the series', [
    {
      path: 'path.recurrenceId',
      message: event.rrule
        ? `not a start the series gives (written as its start is, e.g. ${event.start})`
        : 'the event does not recur',
    },
  ])

/**
 * The organiser changes one occurrence of a series on its own (`change`), or cancels it
 * (`'cancelled'`), leaving the rest as they are. What the occurrence has of its own is kept on the
 * series and on each attendee's entry (at most MAX_EXCEPTIONS occurrences), in one transaction as a
 * series edit is; its reminder follows it (none for a cancelled one, at the new time for a moved
 * one). The attendees who have not declined are told.
 */
export const changeOccurrence = async (
  tenant: TenantContext,
  eventId: string,
  recurrenceId: string,
  change: OccurrenceInput | 'cancelled',
) =>
  retryOnConflict(async () => {
    const read = await organisedEvent(tenant, tenant.actor.accountId, eventId)
    const { event, entries } = read
    const at = parseLocal(recurrenceId) as number
    if (!event.rrule || recurrenceId.length !== event.start.length || !isSeriesStart(timingOf(event), at))
      throw notAnOccurrence(event)
    if (change !== 'cancelled' && change.start !== undefined && change.start.length !== event.start.length)
      throw new AppError('VALIDATION_FAILED', "not the series' kind of time", [
        { path: 'body.start', message: event.allDay ? 'an all-day series gives dates' : 'YYYY-MM-DDTHH:mm' },
        { path: 'body.end', message: event.allDay ? 'an all-day series gives dates' : 'YYYY-MM-DDTHH:mm' },
      ])
    const own = Object.fromEntries(
      Object.entries(change === 'cancelled' ? { cancelled: true } : change).filter(
        ([, v]) => v !== undefined,
      ),
    )
    const others = (event.exceptions ?? []).filter((x) => x.recurrenceId !== recurrenceId)
    const changed = Object.keys(own).length > 0
    if (changed && others.length >= MAX_EXCEPTIONS)
      throw new AppError(
        'INVALID_STATE',
        `a series keeps at most ${MAX_EXCEPTIONS} occurrences changed on their own: edit the series`,
      )
    const exceptions = changed ? [...others, { recurrenceId, ...own }] : others
    const next = eventItem(
      tenant,
      eventId,
      { ...event, exceptions },
      { organiserId: event.organiserId, rev: event.rev + 1, createdAt: event.createdAt },
    )
    const view = await writeEvent(
      tenant,
      read,
      next,
      entries.map((e) => e.memberId),
      change === 'cancelled' ? 'calendar.occurrence.cancelled' : 'calendar.occurrence.changed',
    )
    await notifyMembers(tenant.tenantId, toTell(event, entries), {
      kind: change === 'cancelled' ? 'calendar.cancelled' : 'calendar.changed',
      title: event.title,
      body:
        change === 'cancelled'
          ? `the occurrence of ${recurrenceId} is cancelled`
          : `the occurrence of ${recurrenceId} changed`,
      link: `/v1/calendar/events/${eventId}`,
      ref: eventId,
    })
    return view
  })

/**
 * The organiser cancels the event: it leaves every calendar, its reminders with it, and the
 * attendees who had not declined are told.
 */
export const cancelEvent = async (tenant: TenantContext, eventId: string) =>
  retryOnConflict(async () => {
    const { event, entries } = await organisedEvent(tenant, tenant.actor.accountId, eventId)
    await transaction()
      .add(
        'event',
        EventEntity.build(DeleteTransaction)
          .key(event)
          .options({ condition: { attr: 'rev', eq: event.rev } }),
      )
      .add('entries', ...entries.map((e) => EntryEntity.build(DeleteTransaction).key(e)))
      .add(
        'audit',
        auditWrite(tenant, {
          actorId: tenant.actor.accountId,
          action: 'calendar.event.cancelled',
          targetId: eventId,
        }),
      )
      .run({ event: () => new StaleRead('event') })
    await notifyMembers(tenant.tenantId, toTell(event, entries), {
      kind: 'calendar.cancelled',
      title: event.title,
      body: 'cancelled by its organiser',
      ref: eventId,
    })
  })

/** An attendee answers (again: the answer changes); one conditional write on their own entry. */
export const respond = async (
  scope: TenantScope,
  memberId: string,
  eventId: string,
  response: EntryItem['response'],
) => {
  try {
    await EntryEntity.build(UpdateItemCommand)
      .item({ tenantId: scope.tenantId, eventId, memberId, response })
      .options({ condition: { attr: 'memberId', exists: true } })
      .send()
  } catch (err) {
    if (isConditionFailure(err)) throw notFound('event')
    throw err
  }
  return { eventId, memberId, response }
}
