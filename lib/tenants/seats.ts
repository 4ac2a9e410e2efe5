import { $add, UpdateTransaction } from 'dynamodb-toolbox'
import type { TenantScope } from '../core/tenancy.js'
import { TenantEntity } from './entities.js'

/**
 * A seat taken, as a write for the transaction that adds the member: the database refuses it
 * when the tenant is full or not active, so no concurrency can push a tenant over its edition.
 */
export const takeSeatWrite = ({ tenantId }: TenantScope) =>
  TenantEntity.build(UpdateTransaction)
    .item({ tenantId, memberCount: $add(1) })
    .options({
      condition: {
        and: [
          { attr: 'status', eq: 'active' },
          { attr: 'memberCount', lt: { attr: 'limits.maxMembers' } },
        ],
      },
    })

export const freeSeatWrite = ({ tenantId }: TenantScope) =>
  TenantEntity.build(UpdateTransaction)
    .item({ tenantId, memberCount: $add(-1) })
    .options({ condition: { attr: 'memberCount', gt: 0 } })
