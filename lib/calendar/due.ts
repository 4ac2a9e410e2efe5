import { type DueSpace, dueKeysIn } from '../core/due.js'
import { changedOccurrences, MINUTE, occurrences, type Timing } from './recurrence.js'

/** Calendar reminders: their own space of the due index, read by the reminder job every minute. */
export const CALENDAR_DUE: DueSpace = { prefix: 'CALDUE', shards: 8 }
export const REMINDER_KIND = 'CALREM'

/**
 * The earliest reminder after `afterMs`, and the occurrence it is for: a cancelled occurrence has
 * none, a moved one has its at its new time.
 */
export const nextReminder = (t: Timing, minutes: readonly number[], afterMs: number) => {
  let next: { at: number; occurrence: number } | undefined
  const changed = changedOccurrences(t)
  for (const m of minutes) {
    const lead = m * MINUTE
    const later = (o: { start: number }) => o.start - lead > afterMs
    const plain = occurrences(t, afterMs + lead)
    let first = plain.next()
    while (!first.done && !later(first.value)) first = plain.next()
    for (const o of [...(first.done ? [] : [first.value]), ...changed.filter(later)])
      if (!next || o.start - lead < next.at) next = { at: o.start - lead, occurrence: o.start }
  }
  return next
}

/**
 * What an event item holds of its next reminder: the time, the occurrence, and the due keys that
 * put it on the calendar's space of the due index (none when no reminder is left).
 */
export const reminderState = (
  tenantId: string,
  eventId: string,
  t: Timing,
  minutes: readonly number[],
  afterMs: number,
): { remindAt?: string; remindFor?: string; DUEPK?: string; DUESK?: string } => {
  const next = nextReminder(t, minutes, afterMs)
  if (!next) return {}
  const remindAt = new Date(next.at).toISOString()
  return {
    remindAt,
    remindFor: new Date(next.occurrence).toISOString(),
    ...dueKeysIn(CALENDAR_DUE, remindAt, REMINDER_KIND, tenantId, eventId),
  }
}
