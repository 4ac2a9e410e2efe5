import type { ResolveCustomerCommandOutput } from '@aws-sdk/client-marketplace-metering'
import { AppError } from '../../core/errors.js'
import { findAccountByIdentifier } from '../../identity/accounts.js'
import { createTenant, type OpenedTenant } from '../../tenants/create-tenant.js'
import { tenantIdByCustomer } from '../../tenants/queries.js'
import { getTenantView } from '../../tenants/views.js'
import { currentEdition } from './entitlements.js'

export const awsCustomerId = (customerIdentifier: string) => `aws:${customerIdentifier}`

const invalidToken = () =>
  new AppError('VALIDATION_FAILED', 'the marketplace token is invalid or expired', [
    { path: 'body.x-amzn-marketplace-token', message: 'invalid or expired' },
  ])

const resolve = async (token: string) => {
  let out: ResolveCustomerCommandOutput
  try {
    // Loaded on first use: the KooGallery path of this function never pays for these clients.
    const { resolveCustomer } = await import('./clients.js')
    out = await resolveCustomer({ RegistrationToken: token })
  } catch (err) {
    const name = (err as Error).name
    if (name === 'InvalidTokenException' || name === 'ExpiredTokenException') throw invalidToken()
    throw err
  }
  if (!out.CustomerIdentifier || !out.ProductCode) throw invalidToken()
  return { customer: out.CustomerIdentifier, product: out.ProductCode, account: out.CustomerAWSAccountId }
}

export type Registration = { kind: 'existing'; loginUrl: string } | { kind: 'opened'; opened: OpenedTenant }

/**
 * The buyer arrives from AWS Marketplace with a registration token: resolve it to the customer,
 * read the edition they are entitled to, and open their workbench, or find the one they have.
 */
export const registerAwsBuyer = async (input: {
  token: string
  email?: string
  company?: string
}): Promise<Registration> => {
  const resolved = await resolve(input.token)
  const customerId = awsCustomerId(resolved.customer)
  const existing = await tenantIdByCustomer(customerId)
  if (existing) return { kind: 'existing', loginUrl: (await getTenantView(existing)).urls.userLogin }
  const edition = await currentEdition(resolved.product, resolved.customer)
  if (!edition)
    throw new AppError('INVALID_STATE', 'no active entitlement for this customer yet; retry shortly')
  // The address is typed, not proven: it may become a new login (whose one-time password can be
  // replaced only with a code sent to it), never be linked to a login someone already has. Then
  // the buyer gets a login we issue instead.
  const email = input.email && !(await findAccountByIdentifier(input.email)) ? input.email : undefined
  try {
    const opened = await createTenant(
      {
        customerId,
        name: input.company?.trim() || `AWS customer ${resolved.account ?? resolved.customer}`,
        industry: edition.industry,
        planCode: edition.plan.code,
        trial: false,
        expiresAt: edition.plan.priceModel === 'free-trial' ? undefined : edition.expiresAt,
        customerLevel: 'V0',
        admin: { identifier: email, name: 'Administrator' },
        // AWS Marketplace sells only to accounts it verified; its customer is the reference
        verification: { method: 'marketplace', reference: resolved.customer },
      },
      { actor: 'marketplace:aws', market: 'aws' },
    )
    return { kind: 'opened', opened }
  } catch (err) {
    // A second tab or a retry raced this one: the workbench exists now.
    if (err instanceof AppError && err.code === 'INSTANCE_EXISTS') {
      const id = (await tenantIdByCustomer(customerId)) as string
      return { kind: 'existing', loginUrl: (await getTenantView(id)).urls.userLogin }
    }
    throw err
  }
}
