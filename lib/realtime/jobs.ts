import { purgePartition } from '../core/db/purge-keys.js'
import type { TenantJobs } from '../core/tenant-hooks.js'
import { connectionsPartition } from './entities.js'

/**
 * Real-time delivery in a tenant's life: members' presence lives in the tenant's partition; the
 * connections by id live outside it (found through the tenant's `WSCONNS` index partition) and go
 * at release, though each expires two hours after it opened anyway.
 */
export const realtimeJobs: TenantJobs = {
  name: 'realtime',
  purge: (scope, budget) =>
    purgePartition({ partition: connectionsPartition(scope.tenantId), index: 'GSI2' }, budget),
}
