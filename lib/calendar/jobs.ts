import type { TenantJobs } from '../core/tenant-hooks.js'

/**
 * The calendar in a tenant's life: events and every attendee's entry live in the tenant's partition
 * (their GSI1 keys and due keys are attributes of those items), so the partition's purge at release
 * takes it all and the capability has nothing of its own to purge. Its due work has a space of its
 * own, run by the calendar-reminders job, not by the lifecycle.
 */
export const calendarJobs: TenantJobs = { name: 'calendar' }
