import { runReminders } from '../../lib/calendar/reminders.js'
import { scheduledFunction } from '../../lib/core/scheduled-function.js'

/** Every minute: the calendar reminders due up to now (their own space of the due index). */
export const handler = scheduledFunction('calendar-reminders', () => runReminders())
