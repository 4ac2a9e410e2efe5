import { nowMs } from '../../core/clock.js'
import { getPlan, getSku } from '../../platform/catalog.js'
import type { IndustryCode, Plan } from '../../platform/schemas.js'

export interface Edition {
  plan: Plan
  industry: IndustryCode
  /** a contract's end; subscriptions (no end) run until the buyer unsubscribes */
  expiresAt: string
}

/** Subscriptions without an end date are kept open this long; unsubscribe-success ends them. */
const OPEN_ENDED_YEARS = 10

/**
 * The edition a customer is entitled to now: its dimension names one of our edition skus.
 * Of several, the one that runs longest wins; an expired entitlement counts for nothing.
 */
export const currentEdition = async (
  productCode: string,
  customerIdentifier: string,
): Promise<Edition | undefined> => {
  const { getEntitlements } = await import('./clients.js')
  const out = await getEntitlements({
    ProductCode: productCode,
    Filter: { CUSTOMER_IDENTIFIER: [customerIdentifier] },
  })
  let best: Edition | undefined
  for (const e of out.Entitlements ?? []) {
    if (!e.Dimension) continue
    if (e.ExpirationDate && e.ExpirationDate.getTime() <= nowMs()) continue
    if (e.Value?.BooleanValue === false || e.Value?.IntegerValue === 0) continue
    const sku = await getSku(e.Dimension)
    if (sku?.target.type !== 'edition') continue
    const plan = await getPlan(sku.target.planCode)
    if (!plan) continue
    const expiresAt = (
      e.ExpirationDate ?? new Date(nowMs() + OPEN_ENDED_YEARS * 365 * 86_400_000)
    ).toISOString()
    if (!best || expiresAt > best.expiresAt) best = { plan, industry: sku.target.industry, expiresAt }
  }
  return best
}
