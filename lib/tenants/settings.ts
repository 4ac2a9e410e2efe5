import { UpdateItemCommand } from 'dynamodb-toolbox'
import { isConditionFailure } from '../core/db/conditions.js'
import { AppError } from '../core/errors.js'
import type { TenantScope } from '../core/tenancy.js'
import { TenantEntity } from './entities.js'
import { getTenantView } from './queries.js'
import type { TenantSettingsInput } from './schemas.js'

/**
 * The tenant administrator's settings. A new phone region changes how national numbers typed from
 * now on are read; numbers already stored are in E.164 and stay as they are.
 */
export const updateTenantSettings = async (scope: TenantScope, input: TenantSettingsInput) => {
  try {
    await TenantEntity.build(UpdateItemCommand)
      .item({ tenantId: scope.tenantId, phoneRegion: input.phoneRegion })
      .options({ condition: { attr: 'status', eq: 'active' } })
      .send()
  } catch (err) {
    // Frozen since the session was checked (or released): no settings change then.
    if (isConditionFailure(err)) throw new AppError('TENANT_FROZEN', 'the workbench is frozen')
    throw err
  }
  return getTenantView(scope.tenantId)
}
