import '../../lib/capabilities.js'
import '../../lib/capability-jobs.js'
import { scheduledFunction } from '../../lib/core/scheduled-function.js'
import { runLifecycle } from '../../lib/lifecycle/run.js'

/** Scheduled: freezes, releases, purges, expires subscriptions and records reminders that are due. */
export const handler = scheduledFunction('lifecycle', () => runLifecycle())
