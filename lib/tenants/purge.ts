import { $remove, UpdateItemCommand } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { purgePartition } from '../core/db/purge-keys.js'
import { trustedTenantId } from '../core/tenancy.js'
import { tenantJobs } from '../core/tenant-hooks.js'
import { TenantEntity } from './entities.js'

/** The tenant record and its lifecycle history outlive the release; nothing else does. */
const kept = (key: { SK: string }) => key.SK === 'TENANT' || key.SK.startsWith('HIST#')

/**
 * Deletes up to `budget` items of a released tenant per call: first what each capability keeps
 * outside the tenant's partition (its jobs: invitation codes, login-log entries, …), then the
 * partition itself. Says whether anything is left, so a large tenant is purged across several job
 * runs; the last call takes the tenant off the due index.
 */
export const purgeReleasedTenant = async (
  tenantId: string,
  budget = 500,
): Promise<{ deleted: number; done: boolean }> => {
  const scope = { tenantId: trustedTenantId(tenantId) }
  let deleted = 0
  for (const jobs of tenantJobs()) {
    if (!jobs.purge) continue
    if (deleted >= budget) return { deleted, done: false }
    const step = await jobs.purge(scope, budget - deleted)
    deleted += step.deleted
    if (!step.done) return { deleted, done: false }
  }
  if (deleted >= budget) return { deleted, done: false }
  const rest = await purgePartition({ partition: tenantPartition(tenantId), keep: kept }, budget - deleted)
  deleted += rest.deleted
  if (!rest.done) return { deleted, done: false }
  await TenantEntity.build(UpdateItemCommand)
    .item({ tenantId, DUEPK: $remove(), DUESK: $remove() })
    .options({ condition: { attr: 'status', eq: 'released' } })
    .send()
  return { deleted, done: true }
}
