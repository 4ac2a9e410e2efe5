import * as z from 'zod'
import { settleSeats } from '../../access/reconcile.js'
import {
  expireSubscription,
  releaseSubscription,
  renewSubscription,
  SubscriptionClaimTaken,
  subscribeApp,
} from '../../apps/subscriptions.js'
import { getTenantApp } from '../../apps/tenant-apps.js'
import { retryOnConflict } from '../../core/db/conditions.js'
import { AppError } from '../../core/errors.js'
import { randomToken } from '../../core/ids.js'
import { scopeOf } from '../../core/tenancy.js'
import { getPlan, getSku } from '../../platform/catalog.js'
import { ClaimTaken, createTenant } from '../../tenants/create-tenant.js'
import { reviewExpiry } from '../../tenants/due.js'
import { changePlan, freezeTenant, releaseTenant, renewTenant } from '../../tenants/lifecycle.js'
import { findTenant, tenantIdByCustomer } from '../../tenants/queries.js'
import { toTenantView } from '../../tenants/views.js'
import { claimOrder, findOrder, type OrderRef } from '../orders.js'
import { parseCompactTime, RESULT } from './protocol.js'

const MARKET = 'koogallery'
const ACTOR = { actor: 'marketplace:koogallery' }

/** What an activity answers, before signing; credentials in clear here, encrypted on the wire. */
export interface Outcome {
  resultCode: (typeof RESULT)[keyof typeof RESULT]
  resultMsg: string
  instanceId?: string
  appInfo?: Record<string, string>
  info?: { instanceId: string; appInfo?: Record<string, string> }[]
}

export class Refusal extends Error {
  constructor(
    readonly resultCode: Outcome['resultCode'],
    message: string,
  ) {
    super(message)
  }
}

const ok = (extra: Partial<Outcome> = {}): Outcome => ({
  resultCode: RESULT.success,
  resultMsg: 'success',
  ...extra,
})

const compactTime = z
  .string()
  .refine((v) => parseCompactTime(v) !== undefined, 'must be yyyyMMddHHmmss (UTC)')
  .transform((v) => new Date(parseCompactTime(v) as number).toISOString())

const id = z.string().trim().min(1).max(128)

/** saasExtendParams: URL-encoded base64 of a JSON array of {name, value}. */
const extendParams = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw) return {}
    try {
      const list = z
        .array(z.object({ name: z.string(), value: z.unknown() }))
        .parse(JSON.parse(Buffer.from(decodeURIComponent(raw), 'base64').toString('utf8')))
      return Object.fromEntries(list.map((p) => [p.name, String(p.value)]))
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be base64 of a JSON array of {name, value}' })
      return z.NEVER
    }
  })

export const SCHEMAS = {
  newInstance: z.object({
    // AWS customers are `aws:<id>` here: a KooGallery id cannot name one.
    customerId: id.refine((v) => !v.startsWith('aws:'), 'not a KooGallery customer id'),
    customerName: z.string().max(256).optional(),
    businessId: id,
    orderId: id,
    skuCode: id,
    productId: id,
    expireTime: compactTime.optional(),
    trialFlag: z.enum(['0', '1']).optional(),
    chargingMode: z.string().max(16).optional(),
    periodType: z.string().max(16).optional(),
    periodNumber: z.string().max(16).optional(),
    orderAmount: z.string().max(32).optional(),
    saasExtendParams: extendParams,
  }),
  refreshInstance: z.object({
    instanceId: id,
    orderId: id,
    productId: id.optional(),
    expireTime: compactTime,
    trialToFormal: z.enum(['0', '1']).optional(),
  }),
  expireInstance: z.object({ instanceId: id }),
  releaseInstance: z.object({ instanceId: id }),
  upgrade: z.object({ instanceId: id, orderId: id, skuCode: id, productId: id.optional() }),
  queryInstance: z.object({
    instanceId: z
      .string()
      .min(1)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(id).min(1).max(100)),
  }),
}

export type Activity = keyof typeof SCHEMAS

type Instance =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'app'; tenantId: string; appCode: string; instanceId: string }

/**
 * Tenants answer to their id; app subscriptions to `<tenantId>.<appCode>.<nonce>`. The merchant key
 * reaches only the instances KooGallery's own orders opened: any other answers as unknown.
 */
const resolveInstance = async (instanceId: string): Promise<Instance | undefined> => {
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

const notFound = () => new Refusal(RESULT.instanceNotFound, 'instance not found')

const appInfoOf = async (tenantId: string, credentials?: { userName: string; password: string }) => {
  const t = await findTenant(tenantId)
  if (!t) throw notFound()
  const view = toTenantView(t)
  return { frontEndUrl: view.urls.userLogin, adminUrl: view.urls.adminLogin, ...(credentials ?? {}) }
}

const newInstance = async (p: z.infer<(typeof SCHEMAS)['newInstance']>): Promise<Outcome> => {
  const order: OrderRef = { market: MARKET, orderId: p.orderId, activity: 'newInstance' }
  const replay = async () => {
    const done = await findOrder<Outcome>(order)
    return done?.answer ?? ok({ instanceId: done?.instanceId })
  }
  if (await findOrder(order)) return replay()
  const sku = await getSku(p.skuCode)
  if (!sku) throw new Refusal(RESULT.invalidParameter, `unknown skuCode ${p.skuCode}`)
  try {
    if (sku.target.type === 'app') {
      const target = sku.target
      const tenantId = await tenantIdByCustomer(p.customerId)
      // Only a workbench KooGallery opened takes apps ordered there.
      if (!tenantId || (await findTenant(tenantId))?.market !== MARKET)
        throw new Refusal(RESULT.otherError, 'the customer has no workbench to add the app to')
      const instanceId = `${tenantId}.${target.appCode}.${randomToken(6)}`
      const expiresAt = p.expireTime ?? new Date(Date.now() + 365 * 86_400_000).toISOString()
      await retryOnConflict(async () =>
        subscribeApp({
          tenantId,
          appCode: target.appCode,
          seats: target.seats,
          expiresAt,
          instanceId,
          market: MARKET,
          orderId: p.orderId,
          claim: await claimOrder(order, instanceId, ok({ instanceId })),
        }),
      )
      // a lapsed app bought again keeps its grants: seats follow the new licence
      await settleSeats(scopeOf(tenantId), [target.appCode])
      return ok({ instanceId })
    }
    const plan = await getPlan(sku.target.planCode)
    if (!plan) throw new Refusal(RESULT.otherError, 'the sku names an unknown edition')
    const industry = sku.target.industry
    const opened = await retryOnConflict(() =>
      createTenant(
        {
          customerId: p.customerId,
          name: p.customerName?.trim() || p.customerId,
          industry,
          planCode: plan.code,
          trial: p.trialFlag === '1',
          expiresAt: p.expireTime,
          customerLevel: /^V[0-9]$/.test(p.saasExtendParams.customerLevel ?? '')
            ? (p.saasExtendParams.customerLevel as string)
            : 'V0',
          admin: { name: 'Administrator' },
          // KooGallery sells only to buyers whose real name it verified: the order records it
          verification: { method: 'marketplace', reference: p.orderId },
        },
        {
          ...ACTOR,
          market: MARKET,
          orderId: p.orderId,
          claim: async (o) => {
            const appInfo = {
              frontEndUrl: o.tenant.urls.userLogin,
              adminUrl: o.tenant.urls.adminLogin,
              userName: o.admin.identifier,
              password: o.admin.initialPassword ?? '',
            }
            return claimOrder(order, o.tenant.tenantId, ok({ instanceId: o.tenant.tenantId, appInfo }))
          },
        },
      ),
    )
    return (await findOrder<Outcome>(order))?.answer ?? ok({ instanceId: opened.tenant.tenantId })
  } catch (err) {
    if (err instanceof ClaimTaken || err instanceof SubscriptionClaimTaken) return replay()
    if (
      err instanceof AppError &&
      (err.code === 'INSTANCE_EXISTS' || err.code === 'FREE_TRIAL_USED' || err.code === 'ALREADY_EXISTS')
    ) {
      // The same order may have won while this delivery lost on another guard.
      if (await findOrder(order)) return replay()
      throw new Refusal(RESULT.cannotBuyAgain, err.message)
    }
    if (err instanceof AppError && err.code === 'VALIDATION_FAILED')
      throw new Refusal(RESULT.invalidParameter, err.message)
    throw err
  }
}

const refreshInstance = async (p: z.infer<(typeof SCHEMAS)['refreshInstance']>): Promise<Outcome> => {
  const order: OrderRef = { market: MARKET, orderId: p.orderId, activity: 'refreshInstance' }
  if (await findOrder(order)) return ok({ instanceId: p.instanceId })
  const instance = await resolveInstance(p.instanceId)
  if (!instance) throw notFound()
  try {
    const claim = await claimOrder(order, p.instanceId)
    if (instance.kind === 'app') {
      await renewSubscription(instance.tenantId, instance.appCode, p.expireTime, {
        orderId: p.orderId,
        claim,
      })
    } else {
      await renewTenant(instance.tenantId, p.expireTime, {
        ...ACTOR,
        orderId: p.orderId,
        claim,
        toFormal: p.trialToFormal === '1' ? true : undefined,
      })
    }
  } catch (err) {
    if (err instanceof ClaimTaken || err instanceof SubscriptionClaimTaken)
      return ok({ instanceId: p.instanceId })
    throw err
  }
  return ok({ instanceId: p.instanceId })
}

const expireInstance = async (p: z.infer<(typeof SCHEMAS)['expireInstance']>): Promise<Outcome> => {
  const instance = await resolveInstance(p.instanceId)
  if (!instance) throw notFound()
  if (instance.kind === 'app') {
    await expireSubscription(instance.tenantId, instance.appCode, true)
    // a free edition it kept open freezes now if it was the last
    await reviewExpiry(instance.tenantId)
    return ok({ instanceId: p.instanceId })
  }
  const t = await findTenant(instance.tenantId)
  if (t?.status === 'released') throw notFound()
  if (t?.status === 'active') await freezeTenant(instance.tenantId, 'expired', ACTOR)
  return ok({ instanceId: p.instanceId })
}

const releaseInstance = async (p: z.infer<(typeof SCHEMAS)['releaseInstance']>): Promise<Outcome> => {
  const instance = await resolveInstance(p.instanceId)
  if (!instance) throw notFound()
  if (instance.kind === 'app') {
    await releaseSubscription(instance.tenantId, instance.appCode)
    await reviewExpiry(instance.tenantId)
  } else await releaseTenant(instance.tenantId, ACTOR)
  return ok({ instanceId: p.instanceId })
}

const upgrade = async (p: z.infer<(typeof SCHEMAS)['upgrade']>): Promise<Outcome> => {
  const order: OrderRef = { market: MARKET, orderId: p.orderId, activity: 'upgrade' }
  if (await findOrder(order)) return ok({ instanceId: p.instanceId })
  const instance = await resolveInstance(p.instanceId)
  if (instance?.kind !== 'tenant') throw notFound()
  const sku = await getSku(p.skuCode)
  if (sku?.target.type !== 'edition')
    throw new Refusal(RESULT.invalidParameter, `unknown edition skuCode ${p.skuCode}`)
  const plan = await getPlan(sku.target.planCode)
  if (!plan) throw new Refusal(RESULT.otherError, 'the sku names an unknown edition')
  try {
    await changePlan(instance.tenantId, plan, {
      ...ACTOR,
      orderId: p.orderId,
      claim: await claimOrder(order, p.instanceId),
    })
  } catch (err) {
    if (err instanceof ClaimTaken) return ok({ instanceId: p.instanceId })
    if (err instanceof AppError && err.code === 'PLAN_LIMIT_EXCEEDED') {
      throw new Refusal(RESULT.otherError, `PLAN_LIMIT_EXCEEDED: ${err.message}`)
    }
    throw err
  }
  return ok({ instanceId: p.instanceId })
}

const queryInstance = async (p: z.infer<(typeof SCHEMAS)['queryInstance']>): Promise<Outcome> => {
  const info = await Promise.all(
    p.instanceId.map(async (instanceId) => {
      const instance = await resolveInstance(instanceId)
      if (!instance) return undefined
      const t = await findTenant(instance.tenantId)
      if (!t || t.status === 'released') return undefined
      return { instanceId, appInfo: await appInfoOf(instance.tenantId) }
    }),
  )
  const found = info.filter((i) => i !== undefined)
  if (found.length === 0) throw notFound()
  return ok({ info: found })
}

export const ACTIVITIES: { [A in Activity]: (p: z.infer<(typeof SCHEMAS)[A]>) => Promise<Outcome> } = {
  newInstance,
  refreshInstance,
  expireInstance,
  releaseInstance,
  upgrade,
  queryInstance,
}
