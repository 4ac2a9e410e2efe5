import type { TenantHooks } from '../core/tenant-hooks.js'
import { purgeClients } from './clients.js'
import { expireSubscription } from './subscriptions.js'
import { bindInitialAppsWrites } from './tenant-apps.js'

/**
 * Apps in a tenant's life: the edition's and industry's apps at opening, subscriptions expiring,
 * and at release the client guards (outside the tenant's partition).
 */
export const appHooks: TenantHooks = {
  name: 'apps',
  purge: purgeClients,
  onOpen: (t) => bindInitialAppsWrites(t.scope.tenantId, t.plan.baseApps, t.industry.preinstalledApps),
  due: {
    SUB: ([tenantId, appCode]) => expireSubscription(tenantId as string, appCode as string),
  },
}
