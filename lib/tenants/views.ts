import type { FormattedItem } from 'dynamodb-toolbox'
import { config } from '../core/config.js'
import { tenantApiBase } from '../core/http/origin.js'
import { type PhoneRegion, platformPhoneRegion } from '../core/identifiers.js'
import type { TenantEntity } from './entities.js'
import { ContactFieldsSchema, type TenantView } from './schemas.js'

export type TenantRecord = FormattedItem<typeof TenantEntity>

export const tenantDomain = (code: string): string => `${code}.${config().PLATFORM_DOMAIN}`

/** Where the tenant's members' national mobile numbers are read; stored values were validated. */
export const tenantPhoneRegion = (t: Pick<TenantRecord, 'phoneRegion'>): PhoneRegion =>
  (t.phoneRegion as PhoneRegion | undefined) ?? platformPhoneRegion()

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
