import {
  GetEntitlementsCommand,
  type GetEntitlementsCommandInput,
  MarketplaceEntitlementServiceClient,
} from '@aws-sdk/client-marketplace-entitlement-service'
import {
  MarketplaceMeteringClient,
  ResolveCustomerCommand,
  type ResolveCustomerCommandInput,
} from '@aws-sdk/client-marketplace-metering'
import { recordAwsCommand } from '../../core/aws-command-log.js'

// Entitlements are served from us-east-1 only; metering follows the function's region.
const entitlementClient = new MarketplaceEntitlementServiceClient({ region: 'us-east-1' })
const meteringClient = new MarketplaceMeteringClient({ region: process.env.AWS_REGION ?? 'us-east-1' })

// Recorded here, above the clients: tests replace their `send`, so no SDK middleware sees these calls.
// Neither API has resource-level permissions.
export const getEntitlements = (input: GetEntitlementsCommandInput) => {
  recordAwsCommand('aws-marketplace:GetEntitlements', '*')
  return entitlementClient.send(new GetEntitlementsCommand(input))
}

export const resolveCustomer = (input: ResolveCustomerCommandInput) => {
  recordAwsCommand('aws-marketplace:ResolveCustomer', '*')
  return meteringClient.send(new ResolveCustomerCommand(input))
}
