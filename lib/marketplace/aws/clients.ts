import { MarketplaceEntitlementServiceClient } from '@aws-sdk/client-marketplace-entitlement-service'
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'

// Entitlements are served from us-east-1 only; metering follows the function's region.
export const entitlementClient = new MarketplaceEntitlementServiceClient({ region: 'us-east-1' })
export const meteringClient = new MarketplaceMeteringClient({ region: process.env.AWS_REGION ?? 'us-east-1' })
