import * as z from 'zod'
import { Id } from '../core/http/schemas.js'
import { DAY, isTimeZone, parseLocal, parseRule, RuleError } from './recurrence.js'

/** An event's attendees besides its organiser: an event and every attendee's entry change in one transaction. */
export const MAX_ATTENDEES = 90
/** An occurrence lasts at most this long, so a day's events are found among those starting shortly before it. */
export const MAX_EVENT_DAYS = 14
export const MAX_REMINDERS = 5
/** Reminders up to four weeks ahead. */
export const MAX_REMINDER_MINUTES = 40_320
/**
 * Occurrences of a series changed on their own: they are kept on the series and on every
 * attendee's entry (what a day's query reads), so a bound keeps an entry small (≤ ~12 KB).
 */
export const MAX_EXCEPTIONS = 25

export const EventId = Id
export const EventParams = z.object({ eventId: EventId })

export const TimeZone = z.string().max(64).refine(isTimeZone, 'an IANA time zone, e.g. Europe/Berlin')
const LocalTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/, {
    message: 'YYYY-MM-DD (all-day) or YYYY-MM-DDTHH:mm (wall clock in timeZone)',
    abort: true,
  })
  .refine((v) => parseLocal(v) !== undefined, 'not a real date or time')

/** An occurrence's times: after its start, and not longer than an event may be. */
const checkSpan = (ctx: z.RefinementCtx, startText: string, endText: string) => {
  const start = parseLocal(startText)
  const end = parseLocal(endText)
  if (start === undefined || end === undefined || startText.length !== endText.length) return
  if (end <= start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'after the start' })
  if (end - start > MAX_EVENT_DAYS * DAY)
    ctx.addIssue({ code: 'custom', path: ['end'], message: `at most ${MAX_EVENT_DAYS} days after the start` })
}

export const RESPONSES = ['needs-action', 'accepted', 'declined', 'tentative'] as const
export const Response = z.enum(RESPONSES)

/**
 * An event as its organiser writes it (create, and the whole series on edit). Times are wall-clock
 * times in `timeZone`; an all-day event gives dates (end exclusive). `rrule` is the RFC 5545 subset
 * FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, COUNT or UNTIL, BYDAY (weekly); anything else is a 400.
 */
export const EventBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5000).optional(),
    location: z.string().trim().max(200).optional(),
    timeZone: TimeZone,
    allDay: z.boolean().default(false),
    start: LocalTime,
    end: LocalTime,
    rrule: z.string().max(200).optional(),
    /** member ids of the tenant (the organiser attends anyway) */
    attendees: z
      .array(Id)
      .max(MAX_ATTENDEES)
      .default([])
      .refine((a) => new Set(a).size === a.length, 'each attendee once'),
    /** minutes before each occurrence's start */
    reminders: z
      .array(z.int().min(0).max(MAX_REMINDER_MINUTES))
      .max(MAX_REMINDERS)
      .default([])
      .refine((r) => new Set(r).size === r.length, 'each reminder once'),
  })
  .superRefine((b, ctx) => {
    const dated = (v: string) => v.length === 10
    for (const field of ['start', 'end'] as const)
      if (dated(b[field]) !== b.allDay)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: b.allDay ? 'an all-day event gives dates' : 'a timed event gives YYYY-MM-DDTHH:mm',
        })
    checkSpan(ctx, b.start, b.end)
    const start = parseLocal(b.start)
    if (start !== undefined && b.rrule !== undefined && isTimeZone(b.timeZone)) {
      try {
        parseRule(b.rrule, b.timeZone, start)
      } catch (err) {
        if (!(err instanceof RuleError)) throw err
        ctx.addIssue({ code: 'custom', path: ['rrule'], message: err.message })
      }
    }
  })
export type EventInput = z.output<typeof EventBody>

/** The occurrence of a series as the series starts it: the key of an occurrence changed on its own. */
export const OccurrenceParams = z.object({ eventId: EventId, recurrenceId: LocalTime })

/**
 * One occurrence of a series as it should be (PUT replaces what it had of its own): its times on the
 * series' wall clock, written as the series' are, a title, a location; what is not given is the
 * series'. Nothing given brings a changed or cancelled occurrence back to the series'.
 */
export const OccurrenceBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    location: z.string().trim().max(200).optional(),
    start: LocalTime.optional(),
    end: LocalTime.optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.start === undefined) !== (b.end === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [b.start === undefined ? 'start' : 'end'],
        message: 'start and end are given together',
      })
    if (b.start !== undefined && b.end !== undefined) checkSpan(ctx, b.start, b.end)
  })
export type OccurrenceInput = z.output<typeof OccurrenceBody>

/** An occurrence changed on its own (RFC 5545's RECURRENCE-ID; a cancelled one is an EXDATE). */
export const ExceptionSchema = z
  .object({
    recurrenceId: z.string(),
    cancelled: z.boolean().optional(),
    title: z.string().optional(),
    location: z.string().optional(),
    start: z.string().optional(),
    end: z.string().optional(),
  })
  .meta({ id: 'CalendarException' })

export const Attendee = z.object({ memberId: Id, response: Response })

export const EventSchema = z
  .object({
    eventId: EventId,
    title: z.string(),
    description: z.string().optional(),
    location: z.string().optional(),
    timeZone: z.string(),
    allDay: z.boolean(),
    start: z.string(),
    end: z.string(),
    rrule: z.string().optional(),
    /** occurrences of the series changed on their own */
    exceptions: z.array(ExceptionSchema),
    organiserId: Id,
    attendees: z.array(Attendee),
    reminders: z.array(z.int()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CalendarEvent' })
export type EventView = z.output<typeof EventSchema>

export const ResponseBody = z.object({ response: Response.exclude(['needs-action']) })
export const ResponseSchema = z.object({ eventId: EventId, memberId: Id, response: Response })

/** One occurrence in a member's day: instants (ISO, UTC) for a timed event, dates for an all-day one. */
export const OccurrenceSchema = z
  .object({
    eventId: EventId,
    title: z.string(),
    location: z.string().optional(),
    allDay: z.boolean(),
    start: z.string(),
    end: z.string(),
    timeZone: z.string(),
    recurring: z.boolean(),
    /** a recurring event's occurrence as the series starts it: the key to change it on its own */
    recurrenceId: z.string().optional(),
    organiser: z.boolean(),
    response: Response,
  })
  .meta({ id: 'CalendarOccurrence' })
export type OccurrenceView = z.output<typeof OccurrenceSchema>

export const DayQuery = z.object({
  date: z.iso.date(),
  timeZone: TimeZone.default('UTC'),
})
export const DaySchema = z
  .object({ date: z.string(), timeZone: z.string(), events: z.array(OccurrenceSchema) })
  .meta({ id: 'CalendarDay' })

export const MAX_FREE_BUSY_MEMBERS = 20
export const MAX_FREE_BUSY_DAYS = 31

export const FreeBusyQuery = z
  .object({
    /** comma-separated member ids */
    members: z
      .string()
      .transform((v) => [...new Set(v.split(',').map((s) => s.trim()))])
      .pipe(z.array(Id).min(1).max(MAX_FREE_BUSY_MEMBERS)),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
  })
  .superRefine((q, ctx) => {
    const span = Date.parse(q.to) - Date.parse(q.from)
    if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'after from' })
    if (span > MAX_FREE_BUSY_DAYS * DAY)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_FREE_BUSY_DAYS} days after from` })
  })

const Block = z.object({ start: z.string(), end: z.string() })
/** When colleagues are busy: merged blocks only, no titles, locations or counts. */
export const FreeBusySchema = z
  .object({
    from: z.string(),
    to: z.string(),
    members: z.array(z.object({ memberId: Id, busy: z.array(Block) })),
  })
  .meta({ id: 'FreeBusy' })
export type FreeBusy = z.output<typeof FreeBusySchema>
