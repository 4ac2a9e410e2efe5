import {
  cancelEvent,
  changeOccurrence,
  createEvent,
  getEvent,
  replaceEvent,
  respond,
} from '../../lib/calendar/events.js'
import {
  DayQuery,
  DaySchema,
  EventBody,
  EventParams,
  EventSchema,
  FreeBusyQuery,
  FreeBusySchema,
  OccurrenceBody,
  OccurrenceParams,
  ResponseBody,
  ResponseSchema,
} from '../../lib/calendar/schemas.js'
import { colleaguesRead, freeBusy, memberDay } from '../../lib/calendar/views.js'
import { tenantAccess } from '../../lib/core/http/access.js'
import { route } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'

const member = tenantAccess()
const tag = 'Calendar'
const event = '/v1/calendar/events/{eventId}'

export const routes = [
  route({
    operationId: 'createCalendarEvent',
    method: 'POST',
    path: '/v1/calendar/events',
    summary:
      'Create an event the caller organises: attendees (members of the workbench), time zone, all-day, a recurrence (RRULE subset), reminders',
    tag,
    access: member,
    body: EventBody,
    response: EventSchema,
    status: 201,
    errors: ['PLAN_LIMIT_EXCEEDED'],
    handle: async (req) => createEvent(req.tenant, req.body),
  }),
  route({
    operationId: 'getCalendarEvent',
    method: 'GET',
    path: event,
    summary: 'An event the caller organises or attends, with every attendee’s response (404 for anyone else)',
    tag,
    access: member,
    params: EventParams,
    response: EventSchema,
    handle: async (req) => getEvent(req.tenant, req.caller.accountId, req.params.eventId),
  }),
  route({
    operationId: 'replaceCalendarEvent',
    method: 'PUT',
    path: event,
    summary: 'The organiser rewrites the event (the whole series); attendees kept keep their response',
    tag,
    access: member,
    params: EventParams,
    body: EventBody,
    response: EventSchema,
    handle: async (req) => replaceEvent(req.tenant, req.params.eventId, req.body),
  }),
  route({
    operationId: 'cancelCalendarEvent',
    method: 'DELETE',
    path: event,
    summary: 'The organiser cancels the event (the whole series); its attendees are told',
    tag,
    access: member,
    params: EventParams,
    response: NoContent,
    status: 204,
    handle: (req) => cancelEvent(req.tenant, req.params.eventId),
  }),
  route({
    operationId: 'respondToCalendarEvent',
    method: 'PUT',
    path: `${event}/response`,
    summary: 'An attendee accepts, declines or answers tentatively (again: the answer changes)',
    tag,
    access: member,
    params: EventParams,
    body: ResponseBody,
    response: ResponseSchema,
    handle: async (req) => respond(req.tenant, req.caller.accountId, req.params.eventId, req.body.response),
  }),
  route({
    operationId: 'changeCalendarOccurrence',
    method: 'PUT',
    path: `${event}/occurrences/{recurrenceId}`,
    summary:
      'The organiser changes one occurrence of a series on its own (times, title, location), or brings it back to the series’',
    tag,
    access: member,
    params: OccurrenceParams,
    body: OccurrenceBody,
    response: EventSchema,
    errors: ['INVALID_STATE'],
    handle: async (req) =>
      changeOccurrence(req.tenant, req.params.eventId, req.params.recurrenceId, req.body),
  }),
  route({
    operationId: 'cancelCalendarOccurrence',
    method: 'DELETE',
    path: `${event}/occurrences/{recurrenceId}`,
    summary: 'The organiser cancels one occurrence of a series, the rest stays; its attendees are told',
    tag,
    access: member,
    params: OccurrenceParams,
    response: NoContent,
    status: 204,
    errors: ['INVALID_STATE'],
    handle: async (req) => {
      await changeOccurrence(req.tenant, req.params.eventId, req.params.recurrenceId, 'cancelled')
    },
  }),
  route({
    operationId: 'myCalendarDay',
    method: 'GET',
    path: '/v1/me/calendar/day',
    summary:
      "The caller's events on a date in a time zone, recurring occurrences included (two DynamoDB queries whatever the history)",
    tag,
    access: member,
    query: DayQuery,
    response: DaySchema,
    handle: async (req) => ({
      date: req.query.date,
      timeZone: req.query.timeZone,
      events: await memberDay(req.tenant, req.caller.accountId, req.query.date, req.query.timeZone),
    }),
  }),
  route({
    operationId: 'calendarFreeBusy',
    method: 'GET',
    path: '/v1/calendar/free-busy',
    summary: 'When colleagues are busy between two instants: merged blocks, no titles or locations',
    tag,
    access: member,
    query: FreeBusyQuery,
    response: FreeBusySchema,
    readAlong: ({ query }, tenantId) => colleaguesRead(tenantId, query.members),
    handle: async (req) => freeBusy(req.tenant, req.query.members, req.query.from, req.query.to, req.along),
  }),
]
