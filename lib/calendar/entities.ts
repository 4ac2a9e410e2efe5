import { boolean, Entity, item, list, map, number, string } from 'dynamodb-toolbox'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { RESPONSES } from './schemas.js'

/** An event's item and its attendees' entries share a prefix: one query reads an event whole. */
export const eventPrefix = (eventId: string) => `CALEV#${eventId}`

const timing = {
  timeZone: string(),
  allDay: boolean(),
  start: string(),
  end: string(),
  rrule: string().optional(),
  /** occurrences changed on their own (at most MAX_EXCEPTIONS), see recurrence.ts Exception */
  exceptions: list(
    map({
      recurrenceId: string(),
      cancelled: boolean().optional(),
      start: string().optional(),
      end: string().optional(),
      title: string().optional(),
      location: string().optional(),
    }),
  ).optional(),
}

/**
 * An event (the whole series): what its organiser wrote, and the next reminder due (`remindAt`,
 * on the calendar's space of the due index while there is one). `rev` moves on at every change,
 * the firing of a reminder included, so an edit computed from an older read is refused.
 */
export const EventEntity = new Entity({
  name: 'CalendarEvent',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    eventId: string().key(),
    title: string(),
    description: string().optional(),
    location: string().optional(),
    ...timing,
    reminders: list(number()),
    organiserId: string(),
    rev: number(),
    createdAt: string(),
    updatedAt: string(),
    remindAt: string().optional(),
    /** the start of the occurrence that reminder is for */
    remindFor: string().optional(),
    DUEPK: string().optional(),
    DUESK: string().optional(),
  }),
  computeKey: ({ tenantId, eventId }: { tenantId: string; eventId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: eventPrefix(eventId),
  }),
})

/**
 * An attendee's entry (the organiser has one too): their response, and what their calendar shows
 * of the event, on GSI1 under the member's calendar partition. A single event is keyed by its start
 * (`S#<start>`), a series by its last end (`R#<end>`, `R#~` when it has none), so a day is two
 * queries: singles starting shortly before it, and the series not ended before it.
 */
export const EntryEntity = new Entity({
  name: 'CalendarEntry',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    eventId: string().key(),
    memberId: string().key(),
    response: string().enum(...RESPONSES),
    title: string(),
    location: string().optional(),
    ...timing,
    organiserId: string(),
    /** when the first occurrence starts, and the last ends (absent: no end) */
    firstStart: string(),
    lastEnd: string().optional(),
    GSI1PK: string(),
    GSI1SK: string(),
  }),
  computeKey: ({ tenantId, eventId, memberId }: { tenantId: string; eventId: string; memberId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `${eventPrefix(eventId)}#A#${memberId}`,
  }),
})

export const calendarPartition = (tenantId: string, memberId: string) =>
  tenantIndexPartition(tenantId, 'CAL', memberId)

export const SINGLE = 'S#'
export const SERIES = 'R#'
/** Sorts after every date: a series without end. */
export const OPEN_END = '~'
