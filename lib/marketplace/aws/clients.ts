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
import { config } from '../../core/config.js'

// Entitlements are served from us-east-1 only; metering follows the function's region. Locally
// both go to AWS Marketplace's stand-in.
const endpoint = config().AWS_MARKETPLACE_ENDPOINT
const entitlementClient = new MarketplaceEntitlementServiceClient({ region: 'us-east-1', endpoint })
const meteringClient = new MarketplaceMeteringClient({ region: config().AWS_REGION, endpoint })

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
