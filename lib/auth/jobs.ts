import { tenantIndexPartition } from '../core/db/keys.js'
import { purgePartition } from '../core/db/purge-keys.js'
import type { TenantJobs } from '../core/tenant-hooks.js'

/**
 * Sign-in in a tenant's life: the login log entries of its members live with their accounts, found
 * through the tenant's login-log index; at release they go (sessions live in the tenant's partition).
 */
export const authJobs: TenantJobs = {
  name: 'auth',
  purge: (scope, budget) =>
    purgePartition({ partition: tenantIndexPartition(scope.tenantId, 'LOGINS'), index: 'GSI2' }, budget),
}
