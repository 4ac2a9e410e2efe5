import { nowIso } from '../core/clock.js'
import type { TenantHooks } from '../core/tenant-hooks.js'
import { bindInitialAppsWrites, listTenantApps } from './tenant-apps.js'

/** Apps in a tenant's opening: the edition's and industry's apps; a running subscription keeps a free edition open. */
export const appHooks: TenantHooks = {
  name: 'apps',
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
}
