import { BatchGetRequest, GetItemCommand } from 'dynamodb-toolbox'
import { queryPage } from '../core/db/pagination.js'
import { notFound } from '../core/errors.js'
import { CustomerGuardEntity, TenantCodeEntity, TenantEntity, type TenantStatus } from './entities.js'
import { type TenantRecord, toTenantView } from './views.js'

export const findTenant = async (tenantId: string): Promise<TenantRecord | undefined> => {
  const { Item } = await TenantEntity.build(GetItemCommand)
    .key({ tenantId })
    .options({ consistent: true })
    .send()
  return Item
}

/** The tenant's read for a batch (the live session check). */
export const tenantRequest = (tenantId: string) => TenantEntity.build(BatchGetRequest).key({ tenantId })

/**
 * A released tenant is gone for its industry and its members: it answers like one that never
 * existed. The platform still sees its record (`includeReleased`), history included.
 */
export const getTenantView = async (
  tenantId: string,
  scope: { industry?: string; includeReleased?: boolean } = {},
) => {
  const t = await findTenant(tenantId)
  const hidden = t?.status === 'released' && !scope.includeReleased
  if (!t || hidden || (scope.industry !== undefined && t.industry !== scope.industry))
    throw notFound('tenant')
  return toTenantView(t)
}

export const tenantIdByCode = async (code: string): Promise<string | undefined> => {
  const { Item } = await TenantCodeEntity.build(GetItemCommand).key({ code }).send()
  return Item?.tenantId
}

export interface ListTenantsFilter {
  industry?: string
  status?: TenantStatus
  limit: number
  cursor?: string
}

/** By industry on GSI1, across industries on GSI2; status narrows the sort key; newest first. */
export const listTenants = async ({ industry, status, limit, cursor }: ListTenantsFilter) => {
  const { items, nextCursor } = await queryPage(TenantEntity, {
    index: industry ? 'GSI1' : 'GSI2',
    partition: industry ? `TENANTS#IND#${industry}` : 'TENANTS',
    prefix: status ? `${status}#` : undefined,
    limit,
    cursor,
    reverse: true,
  })
  return { items: items.map(toTenantView), nextCursor }
}

/** The live instance of a marketplace customer, through the customer's instance guard. */
export const tenantIdByCustomer = async (customerId: string): Promise<string | undefined> => {
  const { Item } = await CustomerGuardEntity.build(GetItemCommand)
    .key({ customerId, guard: 'INSTANCE' })
    .send()
  return Item?.tenantId
}
