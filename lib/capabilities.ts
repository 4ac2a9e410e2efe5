import { appHooks } from './apps/hooks.js'
import { registerTenantHooks } from './core/tenant-hooks.js'
import { directoryHooks } from './directory/hooks.js'

/**
 * The composition of a tenant's opening: every capability's writes when a tenant opens and what
 * keeps a free edition open, registered once per process by the functions (and scripts) that open
 * tenants or settle an expiry. A tenant's end and the due work are composed apart
 * (lib/capability-jobs.ts), so these functions carry none of what the jobs need.
 */
registerTenantHooks(directoryHooks, appHooks)
