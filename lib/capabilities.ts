import { appHooks } from './apps/hooks.js'
import { authHooks } from './auth/hooks.js'
import { calendarHooks } from './calendar/hooks.js'
import { contentHooks } from './content/hooks.js'
import { registerTenantHooks } from './core/tenant-hooks.js'
import { directoryHooks } from './directory/hooks.js'
import { driveHooks } from './drive/hooks.js'
import { messagesHooks } from './messages/hooks.js'
import { realtimeHooks } from './realtime/hooks.js'
import { tenantLifecycleHooks } from './tenants/hooks.js'

/**
 * The composition: every capability's part in a tenant's life, registered once per process by the
 * functions (and scripts) that open, release or run due work for tenants. Order is purge order.
 */
registerTenantHooks(
  directoryHooks,
  appHooks,
  authHooks,
  contentHooks,
  driveHooks,
  messagesHooks,
  realtimeHooks,
  calendarHooks,
  tenantLifecycleHooks,
)
