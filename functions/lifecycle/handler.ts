import { config } from '../../lib/core/config.js'
import { runLifecycle } from '../../lib/lifecycle/run.js'

config()

/** Scheduled: freezes, releases, purges, expires subscriptions and records reminders that are due. */
export const handler = async () => runLifecycle()
