import { BatchGetRequest, GetItemCommand } from 'dynamodb-toolbox'
import { CustomerGuardEntity, TenantCodeEntity, TenantEntity } from './entities.js'
import type { TenantRecord } from './record.js'

export const findTenant = async (tenantId: string): Promise<TenantRecord | undefined> => {
  const { Item } = await TenantEntity.build(GetItemCommand)
    .key({ tenantId })
    .options({ consistent: true })
    .send()
  return Item
}

/** The tenant's read for a batch (the live session check). */
export const tenantRequest = (tenantId: string) => TenantEntity.build(BatchGetRequest).key({ tenantId })

export const tenantIdByCode = async (code: string): Promise<string | undefined> => {
  const { Item } = await TenantCodeEntity.build(GetItemCommand).key({ code }).send()
  return Item?.tenantId
}

/** The live instance of a marketplace customer, through the customer's instance guard. */
export const tenantIdByCustomer = async (customerId: string): Promise<string | undefined> => {
  const { Item } = await CustomerGuardEntity.build(GetItemCommand)
    .key({ customerId, guard: 'INSTANCE' })
    .send()
  return Item?.tenantId
}
