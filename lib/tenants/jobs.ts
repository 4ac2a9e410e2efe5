import type { TenantJobs } from '../core/tenant-hooks.js'
import { processDueTenant, processReminder } from './due.js'

/** The tenant's own due work: expiry (freeze), end of retention (release), purge, reminders. */
export const lifecycleJobs: TenantJobs = {
  name: 'tenants',
  due: {
    TENANT: ([tenantId], run) => processDueTenant(tenantId as string, run.purgeBudget),
    REMIND: ([tenantId, expiresAt, daysBefore]) =>
      processReminder(tenantId as string, expiresAt as string, daysBefore as string),
  },
}
