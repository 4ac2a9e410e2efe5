import { appJobs } from './apps/jobs.js'
import { authJobs } from './auth/jobs.js'
import { calendarJobs } from './calendar/jobs.js'
import { contentJobs } from './content/jobs.js'
import { registerTenantJobs } from './core/tenant-hooks.js'
import { directoryJobs } from './directory/jobs.js'
import { driveJobs } from './drive/jobs.js'
import { messagesJobs } from './messages/jobs.js'
import { realtimeJobs } from './realtime/jobs.js'
import { lifecycleJobs } from './tenants/jobs.js'

/**
 * The composition of the scheduled work: every capability's purge at a tenant's release and its
 * kinds of due work, registered once per process by the lifecycle function (and its script).
 * Order is purge order: the tenants capability's own purge of the partition comes last.
 */
registerTenantJobs(
  directoryJobs,
  appJobs,
  authJobs,
  contentJobs,
  driveJobs,
  messagesJobs,
  realtimeJobs,
  calendarJobs,
  lifecycleJobs,
)
