import { $add, GetItemCommand, UpdateTransaction } from 'dynamodb-toolbox'
import { checkedTenantOf } from '../auth/session-check.js'
import type { TenantCaller } from '../core/auth/caller.js'
import { AppError } from '../core/errors.js'
import { getTenantView } from '../tenants/views.js'
import { UsageEntity } from './entities.js'
import { DEFAULT_DRIVE_BYTES } from './rules.js'

/** The tenant's quota: its edition's, copied to the tenant (absent on older tenants: the default). */
export const quotaOf = async (caller: TenantCaller): Promise<number> => {
  const tenant = checkedTenantOf(caller) ?? (await getTenantView(caller.tenant.tenantId))
  return (tenant.limits as { driveBytes?: number }).driveBytes ?? DEFAULT_DRIVE_BYTES
}

const usage = async (tenantId: string) =>
  (await UsageEntity.build(GetItemCommand).key({ tenantId }).options({ consistent: true }).send()).Item

export const usedBytes = async (tenantId: string): Promise<number> => (await usage(tenantId))?.used ?? 0

/** Whether the tenant ever reserved bytes (the counter is written by the first upload). */
export const hasUsage = async (tenantId: string): Promise<boolean> => (await usage(tenantId)) !== undefined

/**
 * Adds bytes to the usage. Growth is conditioned on still fitting the quota (`used + n <= quota`,
 * written `used <= quota - n`: conditions do no arithmetic), in the caller's transaction, so
 * parallel uploads can never pass it together. Shrinking always succeeds.
 */
export const usageChange = (tenantId: string, bytes: number, quota: number) =>
  UsageEntity.build(UpdateTransaction)
    .item({ tenantId, used: $add(bytes) })
    .options(
      bytes > 0
        ? {
            condition: {
              or: [
                { attr: 'used', exists: false },
                { attr: 'used', lte: quota - bytes },
              ],
            },
          }
        : {},
    )

export const quotaExceeded = async (tenantId: string, needed: number, quota: number) => {
  const used = await usedBytes(tenantId)
  return new AppError(
    'DRIVE_QUOTA_EXCEEDED',
    `the drive holds ${used} of ${quota} bytes; ${needed} more do not fit`,
    { used, quota, needed },
  )
}
