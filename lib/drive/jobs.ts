import type { TenantJobs } from '../core/tenant-hooks.js'
import { deleteTenantObjects } from './objects.js'
import { PURGE_DUE, purgeStep } from './purge.js'
import { releaseUpload, UPLOAD_DUE } from './uploads.js'
import { hasUsage } from './usage.js'

/**
 * The drive in a tenant's life: its items live in the tenant's partition (purged with it); its
 * objects, under `drive/<tenantId>/`, are deleted at release a batch at a time. Due work: uploads
 * never completed release their reservation a day later, and purged folders' contents are deleted
 * in batches.
 */
export const driveJobs: TenantJobs = {
  name: 'drive',
  // a tenant that never started an upload has no usage item and no object: S3 is not asked
  purge: async ({ tenantId }, budget) =>
    (await hasUsage(tenantId)) ? deleteTenantObjects(tenantId, budget) : { deleted: 0, done: true },
  due: {
    [UPLOAD_DUE]: ([tenantId, nodeId]) => releaseUpload(tenantId as string, nodeId as string),
    [PURGE_DUE]: ([tenantId, purgeId], run) =>
      purgeStep(tenantId as string, purgeId as string, run.purgeBudget),
  },
}
