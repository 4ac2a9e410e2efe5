import { $add, $remove, UpdateItemCommand } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { mapLimit } from '../core/concurrency.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { dueUpTo } from '../core/due.js'
import { errorSite, log } from '../core/log.js'
import { notifyMembers } from '../notices/notify.js'
import { findTenant } from '../tenants/queries.js'
import { CALENDAR_DUE, REMINDER_KIND, reminderState } from './due.js'
import { EventEntity } from './entities.js'
import { readEvent, timingOf } from './events.js'

/** How many events' reminders are handled at once. */
const CONCURRENCY = 10

/**
 * One due reminder: the attendees who have not declined are told, each once per occurrence (the
 * notice's key names the event and the reminder's time), then the event's next reminder is moved
 * on (to the one after, or off the index) under the condition that it is still the one read. A run
 * killed in between leaves the reminder due, and the next run tells only whom this one did not;
 * two runs at once tell each attendee once, and one of them moves it on. A tenant that is not
 * active (frozen, released) has its reminders moved on unsent.
 */
const fire = async (tenantId: string, eventId: string, tenantActive: (id: string) => Promise<boolean>) => {
  const { event, entries } = await readEvent(tenantId, eventId)
  if (!event?.remindAt || !event.DUESK || event.remindAt > nowIso()) return 'stale'
  const active = await tenantActive(tenantId)
  if (active) {
    const recipients = entries.filter((e) => e.response !== 'declined').map((e) => e.memberId)
    await notifyMembers(
      tenantId,
      recipients,
      {
        kind: 'calendar.reminder',
        title: event.title,
        body: event.allDay
          ? `on ${event.remindFor?.slice(0, 10) ?? event.start}`
          : `starts at ${event.remindFor ?? event.start}`,
        link: `/v1/calendar/events/${eventId}`,
        ref: eventId,
      },
      { key: `calendar.reminder#${eventId}#${event.remindAt}` },
    )
  }
  const next = reminderState(tenantId, eventId, timingOf(event), event.reminders, Date.parse(event.remindAt))
  try {
    await EventEntity.build(UpdateItemCommand)
      .item({
        tenantId,
        eventId,
        rev: $add(1),
        remindAt: next.remindAt ?? $remove(),
        remindFor: next.remindFor ?? $remove(),
        DUEPK: next.DUEPK ?? $remove(),
        DUESK: next.DUESK ?? $remove(),
      })
      .options({ condition: { attr: 'DUESK', eq: event.DUESK } })
      .send()
  } catch (err) {
    if (isConditionFailure(err)) return 'raced'
    throw err
  }
  return active ? 'sent' : 'tenant-inactive'
}

/** The reminder job's minute: only the reminders due up to now are read, never every event. */
export const runReminders = async (limit = 1000) => {
  const due: { tenantId: string; eventId: string }[] = []
  const keys = dueUpTo(CALENDAR_DUE, nowIso(), limit)
  for (let next = await keys.next(); !next.done; next = await keys.next()) {
    const [tenantId = '', eventId = ''] = next.value.ids
    if (next.value.kind === REMINDER_KIND) due.push({ tenantId, eventId })
  }
  const statuses = new Map<string, Promise<boolean>>()
  const tenantActive = (id: string) => {
    let status = statuses.get(id)
    if (!status) {
      status = findTenant(id).then((t) => t?.status === 'active')
      statuses.set(id, status)
    }
    return status
  }
  const outcomes: Record<string, number> = {}
  await mapLimit(due, CONCURRENCY, async ({ tenantId, eventId }) => {
    let outcome: string
    try {
      outcome = await fire(tenantId, eventId, tenantActive)
    } catch (err) {
      log.error('calendar reminder failed', { eventId, ...errorSite(err) })
      outcome = 'failed'
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  })
  return outcomes
}
