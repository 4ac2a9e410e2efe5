import type { FormattedItem } from 'dynamodb-toolbox'
import { config } from '../core/config.js'
import { type PhoneRegion, platformPhoneRegion } from '../core/identifiers.js'
import type { TenantEntity } from './entities.js'

/*
 * What is read off a tenant's record, apart from its API view (views.ts), which builds the
 * tenants' schemas: a sign-in or a directory write needs these and none of those.
 */

export type TenantRecord = FormattedItem<typeof TenantEntity>

export const tenantDomain = (code: string): string => `${code}.${config().PLATFORM_DOMAIN}`

/** Where the tenant's members' national mobile numbers are read; stored values were validated. */
export const tenantPhoneRegion = (t: Pick<TenantRecord, 'phoneRegion'>): PhoneRegion =>
  (t.phoneRegion as PhoneRegion | undefined) ?? platformPhoneRegion()
