import { queryPage } from '../core/db/pagination.js'
import { notFound } from '../core/errors.js'
import { tenantApiBase } from '../core/http/origin.js'
import { ContactFieldsSchema } from './contact-fields.js'
import { TenantEntity, type TenantStatus } from './entities.js'
import { findTenant } from './queries.js'
import { type TenantRecord, tenantDomain, tenantPhoneRegion } from './record.js'
import type { TenantView } from './schemas.js'

export const toTenantView = (t: TenantRecord): TenantView => {
  const domain = tenantDomain(t.code)
  return {
    tenantId: t.tenantId,
    code: t.code,
    name: t.name,
    industry: t.industry,
    plan: { code: t.planCode, product: t.product, edition: t.edition, name: t.planName },
    limits: t.limits,
    usage: { members: t.memberCount },
    status: t.status,
    frozenReason: t.frozenReason,
    trial: t.trial,
    customerId: t.customerId,
    market: t.market,
    customerLevel: t.customerLevel,
    expiresAt: t.expiresAt,
    keptOpenUntil: t.keptOpenUntil,
    contactFields: ContactFieldsSchema.parse(t.contactFields ?? {}),
    servicePhones: t.servicePhones ?? [],
    verification: t.verification ? { verified: true, ...t.verification } : { verified: false },
    frozenAt: t.frozenAt,
    retentionUntil: t.retentionUntil,
    createdAt: t.createdAt,
    phoneRegion: tenantPhoneRegion(t),
    domain,
    // the hosted sign-in, where it is served (the tenant's domain once routed, else under the API);
    // administrators sign in there too: the API is their console
    urls: { userLogin: `${tenantApiBase(t.code)}/`, adminLogin: `${tenantApiBase(t.code)}/` },
  }
}

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
