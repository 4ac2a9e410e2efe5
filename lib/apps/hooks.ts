import { nowIso } from '../core/clock.js'
import type { TenantHooks } from '../core/tenant-hooks.js'
import { purgeClients } from './clients.js'
import { expireSubscription } from './subscriptions.js'
import { bindInitialAppsWrites, listTenantApps } from './tenant-apps.js'

/**
 * Apps in a tenant's life: the edition's and industry's apps at opening, subscriptions expiring
 * (a running one keeps a free edition open), and at release the client guards (outside the
 * tenant's partition).
 */
export const appHooks: TenantHooks = {
  name: 'apps',
  purge: purgeClients,
  onOpen: (t) => bindInitialAppsWrites(t.scope.tenantId, t.plan.baseApps, t.industry.preinstalledApps),
  keepsOpen: async ({ tenantId }) => {
    const now = nowIso()
    return (await listTenantApps(tenantId))
      .flatMap((a) =>
        a.source === 'subscribed' && a.status === 'active' && a.expiresAt && a.expiresAt > now
          ? [a.expiresAt]
          : [],
      )
      .sort()
      .at(-1)
  },
  due: {
    SUB: ([tenantId, appCode]) => expireSubscription(tenantId as string, appCode as string),
  },
}
