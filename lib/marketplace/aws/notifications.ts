import * as z from 'zod'
import { nowMs } from '../../core/clock.js'
import { AppError } from '../../core/errors.js'
import { noteTenant } from '../../tenants/history.js'
import { changePlan, freezeTenant, renewTenant } from '../../tenants/lifecycle.js'
import { findTenant, tenantIdByCustomer } from '../../tenants/queries.js'
import { currentEdition } from './entitlements.js'
import { awsCustomerId } from './register.js'

/** The message AWS Marketplace publishes to the product's SNS topic. */
export const NotificationSchema = z.object({
  action: z.enum([
    'subscribe-success',
    'subscribe-fail',
    'unsubscribe-pending',
    'unsubscribe-success',
    'entitlement-updated',
  ]),
  'customer-identifier': z.string().min(1),
  'product-code': z.string().min(1),
  'offer-identifier': z.string().optional(),
  isFreeTrialTermPresent: z.string().optional(),
})
export type Notification = z.infer<typeof NotificationSchema>

const ACTOR = { actor: 'marketplace:aws' }

/** Brings the tenant to what the customer is entitled to now: edition, expiry, or frozen. */
const applyEntitlement = async (tenantId: string, n: Notification) => {
  const t = await findTenant(tenantId)
  if (!t || t.status === 'released') return 'skipped'
  const edition = await currentEdition(n['product-code'], n['customer-identifier'])
  if (!edition) {
    if (t.status === 'active')
      await freezeTenant(tenantId, 'expired', { ...ACTOR, note: 'no entitlement left' })
    return 'frozen'
  }
  if (edition.plan.code !== t.planCode) await changePlan(tenantId, edition.plan, ACTOR)
  if (edition.expiresAt !== t.expiresAt || t.status === 'frozen') {
    await renewTenant(tenantId, edition.expiresAt, { ...ACTOR, note: n.action })
  }
  return 'applied'
}

/**
 * One marketplace notification. Every branch is conditioned on the tenant's state, so a
 * redelivered message (SQS delivers at least once) changes nothing the second time.
 */
export const handleNotification = async (n: Notification): Promise<string> => {
  const tenantId = await tenantIdByCustomer(awsCustomerId(n['customer-identifier']))
  // Before registration there is no tenant yet: the landing page opens it with the entitlement.
  // A tenant another marketplace (or the platform) opened is not AWS's to change.
  if (!tenantId || (await findTenant(tenantId))?.market !== 'aws') return 'no-tenant'
  try {
    switch (n.action) {
      case 'subscribe-success':
      case 'entitlement-updated':
        return await applyEntitlement(tenantId, n)
      case 'subscribe-fail':
      case 'unsubscribe-pending':
        await noteTenant(tenantId, { action: n.action, actor: ACTOR.actor })
        return 'noted'
      case 'unsubscribe-success': {
        const t = await findTenant(tenantId)
        if (t?.status !== 'active') return 'skipped'
        await freezeTenant(tenantId, 'expired', {
          ...ACTOR,
          note: `unsubscribed at ${new Date(nowMs()).toISOString()}`,
        })
        return 'frozen'
      }
    }
  } catch (err) {
    // Another delivery applied the same change first.
    if (err instanceof AppError && (err.code === 'CONFLICT' || err.code === 'INVALID_STATE')) return 'skipped'
    throw err
  }
}
