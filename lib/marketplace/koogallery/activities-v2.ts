import * as z from 'zod'
import { compactTime, instanceIds } from './fields.js'
import {
  changeEdition,
  checkEdition,
  freezeInstance,
  instanceUrls,
  releaseInstance,
  renewInstance,
  unfreezeInstance,
} from './instances.js'
import { instanceNotFound, type Outcome, ok, Refusal } from './outcome.js'
import { RESULT } from './protocol.js'
import { cancelOpening, instanceOf, orderLine, readOrder, reserveInstance } from './v2-instances.js'

/** The V2 interface (POST, JSON body): each activity's fields (spec §3) and how they map to the use cases. */

const id64 = z.string().trim().min(1).max(64)
const testFlag = z.enum(['0', '1']).optional()

export const SCHEMAS_V2 = {
  newInstance: z.object({
    orderId: id64,
    orderLineId: id64,
    businessId: id64.regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
    testFlag,
  }),
  queryInstance: z.object({ instanceId: instanceIds, testFlag }),
  refreshInstance: z.object({
    scene: z.enum(['TRIAL_TO_FORMAL', 'RENEWAL', 'UNSUBSCRIBE_RENEWAL_PERIOD', 'RENEWAL_CHANGE']),
    orderId: id64,
    orderLineId: id64,
    instanceId: id64,
    productId: id64.optional(),
    expireTime: compactTime,
    testFlag,
  }),
  updateInstanceStatus: z.object({ instanceId: id64, status: z.enum(['FREEZE', 'UNFREEZE']), testFlag }),
  releaseInstance: z.object({
    instanceId: id64,
    orderId: id64.optional(),
    orderLineId: id64.optional(),
    testFlag,
  }),
  upgradeInstance: z.object({ instanceId: id64, orderId: id64, orderLineId: id64, testFlag }),
  changeInstanceCheck: z.object({
    instanceId: id64,
    productInfo: z.object({
      productId: id64,
      skuCode: id64,
      linearValue: z.coerce.number().int().optional(),
      productName: z.string().max(256),
    }),
    testFlag,
  }),
  orderNotify: z.object({ orderId: id64, orderLineId: id64, testFlag: z.enum(['0', '1']) }),
}

export type ActivityV2 = keyof typeof SCHEMAS_V2
type Params<A extends ActivityV2> = z.infer<(typeof SCHEMAS_V2)[A]>

/** What the opening made for a V2 instance id (V1's id), finishing a pending opening on the way. */
const targetOf = async (instanceId: string): Promise<string> => {
  const instance = await instanceOf(instanceId, { finish: true })
  // released before it ever opened: gone, as a released one is
  if (!instance || instance.state === 'cancelled') throw instanceNotFound()
  if (instance.state === 'pending') throw new Refusal(RESULT.inProgress, 'the instance is being opened')
  return instance.target
}

/** A use case run on what the V2 id stands for, answered with the V2 id. */
const onTarget =
  <P extends { instanceId: string }>(effect: (target: string, p: P) => Promise<Outcome>) =>
  async (p: P): Promise<Outcome> => ({
    ...(await effect(await targetOf(p.instanceId), p)),
    instanceId: p.instanceId,
  })

const newInstance = async (p: Params<'newInstance'>): Promise<Outcome> => {
  const instanceId = await reserveInstance(p.orderId, p.orderLineId, p.businessId)
  const instance = await instanceOf(instanceId, { finish: true })
  if (instance?.state === 'ready') return ok({ instanceId })
  return { resultCode: RESULT.inProgress, resultMsg: 'opening', instanceId }
}

/** At most this many pending openings are finished by one query (each reads the open API). */
const FINISH_PER_QUERY = 3

/**
 * Ready instances come with their addresses and the administrator's credentials, plain (V2 has no
 * encryption of appInfo); pending ones without appInfo; released or unknown ones are left out.
 */
const queryInstance = async (p: Params<'queryInstance'>): Promise<Outcome> => {
  const info = await Promise.all(
    p.instanceId.map(async (instanceId, n) => {
      const instance = await instanceOf(instanceId, { finish: n < FINISH_PER_QUERY })
      if (!instance || instance.state === 'cancelled') return undefined
      if (instance.state === 'pending') return { instanceId }
      const urls = await instanceUrls(instance.target)
      if (!urls) return undefined
      const { userName, password } = instance.answer?.appInfo ?? {}
      return {
        instanceId,
        appInfo: { ...urls, ...(userName ? { userName } : {}), ...(password ? { password } : {}) },
      }
    }),
  )
  const found = info.filter((i) => i !== undefined)
  if (found.length === 0) throw instanceNotFound()
  if (found.every((i) => !('appInfo' in i)))
    return { resultCode: RESULT.inProgress, resultMsg: 'opening', info: found }
  return ok({ info: found })
}

/** The sku of a change order, read from the open API. */
const orderedSku = async (orderId: string, orderLineId: string) =>
  (await readOrder(orderId, orderLineId)).product.skuCode

const refreshInstance = onTarget<Params<'refreshInstance'>>(async (target, p) => {
  const order = orderLine(p.orderId, p.orderLineId, 'refreshInstance')
  if (p.scene === 'RENEWAL_CHANGE') {
    // the edition changes with the renewal (changeInstanceCheck was asked first)
    await changeEdition(
      target,
      await orderedSku(p.orderId, p.orderLineId),
      orderLine(p.orderId, p.orderLineId, 'renewalChange'),
    )
  }
  return renewInstance(target, {
    order,
    expiresAt: p.expireTime,
    toFormal: p.scene === 'TRIAL_TO_FORMAL' ? true : p.scene === 'RENEWAL' ? undefined : false,
    shorten: p.scene === 'UNSUBSCRIBE_RENEWAL_PERIOD',
  })
})

export const ACTIVITIES_V2: { [A in ActivityV2]: (p: Params<A>) => Promise<Outcome> } = {
  newInstance,
  queryInstance,
  refreshInstance,
  updateInstanceStatus: onTarget((target, p: Params<'updateInstanceStatus'>) =>
    p.status === 'FREEZE' ? freezeInstance(target) : unfreezeInstance(target),
  ),
  releaseInstance: async (p) => {
    // released and gone from sight: a repeat still succeeds
    const instance = await instanceOf(p.instanceId, { finish: false })
    if (!instance) throw instanceNotFound()
    if (instance.state === 'cancelled') return ok({ instanceId: p.instanceId })
    // still opening: it never will; opened meanwhile: what it made goes
    const target = instance.state === 'ready' ? instance.target : await cancelOpening(p.instanceId)
    if (target) await releaseInstance(target)
    return ok({ instanceId: p.instanceId })
  },
  upgradeInstance: onTarget(async (target, p: Params<'upgradeInstance'>) =>
    changeEdition(
      target,
      await orderedSku(p.orderId, p.orderLineId),
      orderLine(p.orderId, p.orderLineId, 'upgradeInstance'),
    ),
  ),
  changeInstanceCheck: onTarget((target, p: Params<'changeInstanceCheck'>) =>
    checkEdition(target, p.productInfo.skuCode),
  ),
  orderNotify: async () => ok(),
}

/** A V2 request body, any activity (for the API document; the handler checks the signature first). */
export const RequestV2Schema = z.union(
  Object.entries(SCHEMAS_V2).map(([activity, schema]) =>
    schema.extend({ activity: z.literal(activity) }),
  ) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]],
)

export const AnswerV2Schema = z.object({
  resultCode: z.string(),
  resultMsg: z.string(),
  instanceId: z.string().optional(),
  info: z
    .array(z.object({ instanceId: z.string(), appInfo: z.record(z.string(), z.string()).optional() }))
    .optional(),
})
