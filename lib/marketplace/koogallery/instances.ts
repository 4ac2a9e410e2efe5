import { settleSeats } from '../../access/reconcile.js'
import {
  expireSubscription,
  releaseSubscription,
  renewSubscription,
  SubscriptionClaimTaken,
  subscribeApp,
} from '../../apps/subscriptions.js'
import { getTenantApp } from '../../apps/tenant-apps.js'
import { nowMs } from '../../core/clock.js'
import { retryOnConflict, type WriteItem } from '../../core/db/conditions.js'
import { AppError } from '../../core/errors.js'
import { randomToken } from '../../core/ids.js'
import { scopeOf, systemContext } from '../../core/tenancy.js'
import { getIndustry, getPlan, getSku, offeredTo } from '../../platform/catalog.js'
import { bindCatalogProvider } from '../../provisioning/catalog-provider.js'
import { ClaimTaken, createTenant } from '../../tenants/create-tenant.js'
import { reviewExpiry } from '../../tenants/due.js'
import {
  changePlan,
  checkPlanFits,
  freezeTenant,
  releaseTenant,
  renewTenant,
  shortenTenant,
  unfreezeTenant,
} from '../../tenants/lifecycle.js'
import { findTenant, tenantIdByCustomer } from '../../tenants/queries.js'
import { toTenantView } from '../../tenants/views.js'
import { claimOrder, findOrder, type OrderRef } from '../orders.js'
import { instanceNotFound, type Outcome, ok, Refusal } from './outcome.js'
import { RESULT } from './protocol.js'

/**
 * What KooGallery's orders do to Atrium, whichever version of the interface carries them: each
 * version parses its wire into these calls and puts their outcome back on its wire.
 */

export const MARKET = 'koogallery'
const ACTOR = { actor: 'marketplace:koogallery' }

export type Instance =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'app'; tenantId: string; appCode: string; instanceId: string }

/**
 * Tenants answer to their id; app subscriptions to `<tenantId>.<appCode>.<nonce>`. The merchant key
 * reaches only the instances KooGallery's own orders opened: any other answers as unknown.
 */
export const resolveInstance = async (instanceId: string): Promise<Instance | undefined> => {
  const parts = instanceId.split('.')
  if (parts.length === 1) {
    return (await findTenant(instanceId))?.market === MARKET
      ? { kind: 'tenant', tenantId: instanceId }
      : undefined
  }
  const [tenantId, appCode] = parts as [string, string]
  const app = await getTenantApp(tenantId, appCode)
  return app?.instanceId === instanceId && app.market === MARKET
    ? { kind: 'app', tenantId, appCode, instanceId }
    : undefined
}

const resolved = async (instanceId: string): Promise<Instance> => {
  const instance = await resolveInstance(instanceId)
  if (!instance) throw instanceNotFound()
  return instance
}

/** An order, as each version learns it (V1 in the call, V2 from the open API). */
export interface OpeningOrder {
  customerId: string
  customerName?: string
  orderId: string
  skuCode: string
  trial: boolean
  /** ISO; a paid edition needs one */
  expiresAt?: string
  customerLevel?: string
}

/** The write claiming the order, committed with its effect: a duplicate loses it and opens nothing. */
export type ClaimFor = (instanceId: string, answer: Outcome) => Promise<WriteItem>

/**
 * Opens what the order's sku names: an edition (a new tenant, whose id is the instance id) or an
 * app for the customer's workbench. `claim` is written in the opening's transaction; `replay`
 * answers a delivery that lost it to another.
 */
export const openInstance = async (
  o: OpeningOrder,
  claim: ClaimFor,
  replay: () => Promise<Outcome | undefined>,
): Promise<Outcome> => {
  const sku = await getSku(o.skuCode)
  if (!sku) throw new Refusal(RESULT.invalidParameter, `unknown skuCode ${o.skuCode}`)
  const lost = async () => {
    const answer = await replay()
    if (!answer) throw new Refusal(RESULT.inProgress, 'the order is being handled')
    return answer
  }
  try {
    if (sku.target.type === 'app') {
      const target = sku.target
      const tenantId = await tenantIdByCustomer(o.customerId)
      const tenant = tenantId ? await findTenant(tenantId) : undefined
      // Only a workbench KooGallery opened takes apps ordered there.
      if (!tenantId || tenant?.market !== MARKET)
        throw new Refusal(RESULT.otherError, 'the customer has no workbench to add the app to')
      if (!offeredTo(await getIndustry(tenant.industry), target.appCode))
        throw new Refusal(RESULT.otherError, "the app is not offered to the workbench's industry")
      if (o.trial && !target.trialDays)
        throw new Refusal(RESULT.invalidParameter, `${o.skuCode} offers no trial`)
      const instanceId = `${tenantId}.${target.appCode}.${randomToken(6)}`
      const expiresAt =
        o.expiresAt ??
        new Date(nowMs() + (o.trial ? (target.trialDays ?? 0) : 365) * 86_400_000).toISOString()
      await retryOnConflict(async () =>
        subscribeApp({
          tenantId,
          appCode: target.appCode,
          seats: target.seats,
          expiresAt,
          trial: o.trial,
          instanceId,
          market: MARKET,
          orderId: o.orderId,
          claim: await claim(instanceId, ok({ instanceId })),
        }),
      )
      // a lapsed app bought again keeps its grants: seats follow the new licence
      await settleSeats(scopeOf(tenantId), [target.appCode])
      // its vendor hears of the workbench (a binding the admin made stands)
      await bindCatalogProvider(
        systemContext({ ...scopeOf(tenantId), code: tenant.code }, 'marketplace'),
        target.appCode,
      )
      return ok({ instanceId })
    }
    const { industry } = sku.target
    const plan = await getPlan(sku.target.planCode)
    if (!plan) throw new Refusal(RESULT.otherError, 'the sku names an unknown edition')
    let answer: Outcome | undefined
    await retryOnConflict(() =>
      createTenant(
        {
          customerId: o.customerId,
          name: o.customerName?.trim() || o.customerId,
          industry,
          planCode: plan.code,
          trial: o.trial,
          expiresAt: o.expiresAt,
          customerLevel: /^V[0-9]$/.test(o.customerLevel ?? '') ? (o.customerLevel as string) : 'V0',
          admin: { name: 'Administrator' },
          // KooGallery sells only to buyers whose real name it verified: the order records it
          verification: { method: 'marketplace', reference: o.orderId },
        },
        {
          ...ACTOR,
          market: MARKET,
          orderId: o.orderId,
          claim: async (opened) => {
            const appInfo = {
              frontEndUrl: opened.tenant.urls.userLogin,
              adminUrl: opened.tenant.urls.adminLogin,
              userName: opened.admin.identifier,
              password: opened.admin.initialPassword ?? '',
            }
            answer = ok({ instanceId: opened.tenant.tenantId, appInfo })
            return claim(opened.tenant.tenantId, answer)
          },
        },
      ),
    )
    return answer as Outcome
  } catch (err) {
    if (err instanceof ClaimTaken || err instanceof SubscriptionClaimTaken) return lost()
    if (
      err instanceof AppError &&
      (err.code === 'INSTANCE_EXISTS' || err.code === 'FREE_TRIAL_USED' || err.code === 'ALREADY_EXISTS')
    ) {
      // The same order may have won while this delivery lost on another guard.
      const answer = await replay()
      if (answer) return answer
      throw new Refusal(RESULT.cannotBuyAgain, err.message)
    }
    if (err instanceof AppError && err.code === 'VALIDATION_FAILED')
      throw new Refusal(RESULT.invalidParameter, err.message)
    throw limitRefusal(err)
  }
}

/**
 * Runs an order's effect once: the order is claimed in the effect's transaction, so a
 * redelivery (concurrent or later) succeeds without doing the work again.
 */
const oncePerOrder = async (
  order: OrderRef,
  instanceId: string,
  effect: (claim: WriteItem) => Promise<unknown>,
): Promise<Outcome> => {
  if (await findOrder(order)) return ok({ instanceId })
  try {
    await effect(await claimOrder(order, instanceId))
  } catch (err) {
    if (err instanceof ClaimTaken || err instanceof SubscriptionClaimTaken) return ok({ instanceId })
    throw err
  }
  return ok({ instanceId })
}

export interface Renewal {
  order: OrderRef
  /** ISO */
  expiresAt: string
  /** a trial becomes paid */
  toFormal?: boolean
  /** a renewal period refunded: the end moves earlier and nothing is restored */
  shorten?: boolean
}

/** Sets the new end of the instance's subscription (a frozen one inside its retention is restored). */
export const renewInstance = (instanceId: string, r: Renewal): Promise<Outcome> =>
  oncePerOrder(r.order, instanceId, async (claim) => {
    const instance = await resolved(instanceId)
    const by = { ...ACTOR, orderId: r.order.orderId, claim }
    if (instance.kind === 'app') {
      if (r.shorten && Date.parse(r.expiresAt) <= nowMs()) {
        await expireSubscription(instance.tenantId, instance.appCode, true)
        return reviewExpiry(instance.tenantId)
      }
      return renewSubscription(instance.tenantId, instance.appCode, r.expiresAt, {
        ...by,
        toFormal: r.toFormal,
      })
    }
    if (r.shorten) return shortenTenant(instance.tenantId, r.expiresAt, by)
    return renewTenant(instance.tenantId, r.expiresAt, { ...by, toFormal: r.toFormal })
  })

/** Expiry or a violation: the instance stops working, its data is kept. Repeats succeed. */
export const freezeInstance = async (instanceId: string): Promise<Outcome> => {
  const instance = await resolved(instanceId)
  if (instance.kind === 'app') {
    await expireSubscription(instance.tenantId, instance.appCode, true)
    // a free edition it kept open freezes now if it was the last
    await reviewExpiry(instance.tenantId)
    return ok({ instanceId })
  }
  const t = await findTenant(instance.tenantId)
  if (t?.status === 'released') throw instanceNotFound()
  if (t?.status === 'active')
    await freezeTenant(instance.tenantId, Date.parse(t.expiresAt) <= nowMs() ? 'expired' : 'manual', ACTOR)
  return ok({ instanceId })
}

/** A freeze lifted (violation cleared, or after a renewal). An expired one needs its renewal first. */
export const unfreezeInstance = async (instanceId: string): Promise<Outcome> => {
  const instance = await resolved(instanceId)
  if (instance.kind === 'app') {
    const app = await getTenantApp(instance.tenantId, instance.appCode)
    if (app?.status === 'expired' && app.expiresAt && Date.parse(app.expiresAt) > nowMs())
      await renewSubscription(instance.tenantId, instance.appCode, app.expiresAt, {})
    return ok({ instanceId })
  }
  const t = await findTenant(instance.tenantId)
  if (t?.status === 'released') throw instanceNotFound()
  if (t?.status === 'frozen') await unfreezeTenant(instance.tenantId, ACTOR)
  return ok({ instanceId })
}

/** The order is gone: the instance goes. Repeats succeed. */
export const releaseInstance = async (instanceId: string): Promise<Outcome> => {
  const instance = await resolved(instanceId)
  if (instance.kind === 'app') {
    await releaseSubscription(instance.tenantId, instance.appCode)
    await reviewExpiry(instance.tenantId)
  } else await releaseTenant(instance.tenantId, ACTOR)
  return ok({ instanceId })
}

const editionOf = async (instanceId: string, skuCode: string) => {
  const instance = await resolved(instanceId)
  if (instance.kind !== 'tenant') throw instanceNotFound()
  const sku = await getSku(skuCode)
  if (sku?.target.type !== 'edition')
    throw new Refusal(RESULT.invalidParameter, `unknown edition skuCode ${skuCode}`)
  const plan = await getPlan(sku.target.planCode)
  if (!plan) throw new Refusal(RESULT.otherError, 'the sku names an unknown edition')
  return { tenantId: instance.tenantId, plan }
}

/** Refusals without a KooGallery code of their own: 000005 naming the limit or the retired edition. */
const limitRefusal = (err: unknown) =>
  err instanceof AppError && (err.code === 'PLAN_LIMIT_EXCEEDED' || err.code === 'PLAN_RETIRED')
    ? new Refusal(RESULT.otherError, `${err.code}: ${err.message}`)
    : err

/** Moves a workbench to the sku's edition; one the tenant has outgrown is refused. */
export const changeEdition = async (instanceId: string, skuCode: string, order: OrderRef) => {
  try {
    return await oncePerOrder(order, instanceId, async (claim) => {
      const { tenantId, plan } = await editionOf(instanceId, skuCode)
      return changePlan(tenantId, plan, { ...ACTOR, orderId: order.orderId, claim })
    })
  } catch (err) {
    throw limitRefusal(err)
  }
}

/** Whether the workbench fits the sku's edition, asked before a renewal that changes it. */
export const checkEdition = async (instanceId: string, skuCode: string): Promise<Outcome> => {
  const { tenantId, plan } = await editionOf(instanceId, skuCode)
  const t = await findTenant(tenantId)
  if (!t || t.status === 'released') throw instanceNotFound()
  try {
    checkPlanFits(t, plan)
  } catch (err) {
    throw limitRefusal(err)
  }
  return ok({ instanceId })
}

/** The addresses the buyer reads (never the credentials again), or nothing for a released one. */
export const instanceUrls = async (instanceId: string) => {
  const instance = await resolveInstance(instanceId)
  if (!instance) return undefined
  const t = await findTenant(instance.tenantId)
  if (!t || t.status === 'released') return undefined
  const view = toTenantView(t)
  return { frontEndUrl: view.urls.userLogin, adminUrl: view.urls.adminLogin }
}
