import * as z from 'zod'
import { claimOrder, findOrder, type OrderRef } from '../orders.js'
import { compactTime, customerId, id, instanceIds } from './fields.js'
import {
  changeEdition,
  freezeInstance,
  instanceUrls,
  MARKET,
  openInstance,
  releaseInstance,
  renewInstance,
} from './instances.js'
import { instanceNotFound, type Outcome, ok } from './outcome.js'

/** The V1 interface (GET, query parameters): each activity's parameters and how they map to the use cases. */

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
    customerId,
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
  queryInstance: z.object({ instanceId: instanceIds }),
}

export type Activity = keyof typeof SCHEMAS

type Params<A extends Activity> = z.infer<(typeof SCHEMAS)[A]>

const orderOf = (orderId: string, activity: string): OrderRef => ({ market: MARKET, orderId, activity })

const newInstance = async (p: Params<'newInstance'>): Promise<Outcome> => {
  const order = orderOf(p.orderId, 'newInstance')
  const replay = async () => {
    const done = await findOrder<Outcome>(order)
    return done && (done.answer ?? ok({ instanceId: done.instanceId }))
  }
  const done = await replay()
  if (done) return done
  return openInstance(
    {
      customerId: p.customerId,
      customerName: p.customerName,
      orderId: p.orderId,
      skuCode: p.skuCode,
      trial: p.trialFlag === '1',
      expiresAt: p.expireTime,
      customerLevel: p.saasExtendParams.customerLevel,
    },
    (instanceId, answer) => claimOrder(order, instanceId, answer),
    replay,
  )
}

const queryInstance = async (p: Params<'queryInstance'>): Promise<Outcome> => {
  const info = await Promise.all(
    p.instanceId.map(async (instanceId) => {
      const appInfo = await instanceUrls(instanceId)
      return appInfo && { instanceId, appInfo }
    }),
  )
  const found = info.filter((i) => i !== undefined)
  if (found.length === 0) throw instanceNotFound()
  return ok({ info: found })
}

export const ACTIVITIES: { [A in Activity]: (p: Params<A>) => Promise<Outcome> } = {
  newInstance,
  refreshInstance: (p) =>
    renewInstance(p.instanceId, {
      order: orderOf(p.orderId, 'refreshInstance'),
      expiresAt: p.expireTime,
      toFormal: p.trialToFormal === '1' ? true : undefined,
    }),
  expireInstance: (p) => freezeInstance(p.instanceId),
  releaseInstance: (p) => releaseInstance(p.instanceId),
  upgrade: (p) => changeEdition(p.instanceId, p.skuCode, orderOf(p.orderId, 'upgrade')),
  queryInstance,
}
