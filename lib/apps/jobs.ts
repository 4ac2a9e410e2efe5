import type { TenantJobs } from '../core/tenant-hooks.js'
import { purgeClients } from './clients.js'
import { expireSubscription } from './subscriptions.js'

/** Apps' jobs: subscriptions expiring, and at release the client guards (outside the tenant's partition). */
export const appJobs: TenantJobs = {
  name: 'apps',
  purge: purgeClients,
  due: {
    SUB: ([tenantId, appCode]) => expireSubscription(tenantId as string, appCode as string),
  },
}
