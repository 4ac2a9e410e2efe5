import {
  Entity,
  GetItemCommand,
  item,
  PutTransaction,
  string,
  UpdateItemCommand,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { nowIso } from '../../core/clock.js'
import { platformCipher } from '../../core/crypto/data-keys.js'
import { isConditionFailure, retryOnConflict } from '../../core/db/conditions.js'
import { table } from '../../core/db/table.js'
import { ConditionsFailed, transaction } from '../../core/db/transaction.js'
import { claimOrder, findOrder, type OrderRef } from '../orders.js'
import { customerId } from './fields.js'
import { MARKET, openInstance } from './instances.js'
import { type KooGalleryOrder, OrderUnavailable, queryOrder } from './open-api.js'
import { type Outcome, Refusal } from './outcome.js'
import { parseCompactTime, RESULT } from './protocol.js'

/**
 * V2 instances. `newInstance` carries only order ids and must be answered within 5 s, so the
 * instance id is fixed first (the first delivery's businessId, claimed per order line), and the
 * opening (the order read from the open API, then the tenant) follows. It completes in the request
 * when the open API answers in time; else the answer is 000004 and the next call on the instance
 * (the marketplace polls queryInstance until it gets appInfo, and redelivers a failed creation)
 * finishes it. The opening claims the instance item in its own transaction: one effect, however
 * many deliveries and polls race.
 */
const InstanceEntity = new Entity({
  name: 'KooGalleryInstance',
  table,
  timestamps: false,
  schema: item({
    instanceId: string().key(),
    orderId: string(),
    orderLineId: string(),
    createdAt: string(),
    /** what the opening made: a tenant id or an app subscription's instance id (V1's ids) */
    target: string().optional(),
    /** the opening's answer (the administrator's credentials), under the platform key */
    answerEnc: string().optional(),
    /** released before its opening finished: it never opens */
    cancelledAt: string().optional(),
  }),
  computeKey: ({ instanceId }: { instanceId: string }) => ({ PK: `KGI#${instanceId}`, SK: 'INSTANCE' }),
})

type InstanceItem = {
  instanceId: string
  orderId: string
  orderLineId: string
  target?: string
  answerEnc?: string
  cancelledAt?: string
}

/** One order line's claims (V1's order items), keyed by `orderId#orderLineId`. */
export const orderLine = (orderId: string, orderLineId: string, activity: string): OrderRef => ({
  market: MARKET,
  orderId: `${orderId}#${orderLineId}`,
  activity,
})

const aad = (instanceId: string) => `koogallery-instance:${instanceId}`

const getInstance = async (instanceId: string): Promise<InstanceItem | undefined> =>
  (await InstanceEntity.build(GetItemCommand).key({ instanceId }).options({ consistent: true }).send()).Item

/** The instance id of the order line: the first delivery's businessId, whichever delivery asks. */
export const reserveInstance = async (orderId: string, orderLineId: string, businessId: string) => {
  const line = orderLine(orderId, orderLineId, 'instance')
  const known = await findOrder(line)
  if (known) return known.instanceId
  try {
    await transaction()
      .add('line', await claimOrder(line, businessId))
      .add(
        'instance',
        InstanceEntity.build(PutTransaction)
          .item({ instanceId: businessId, orderId, orderLineId, createdAt: nowIso() })
          .options({ condition: { attr: 'instanceId', exists: false } }),
      )
      .run()
    return businessId
  } catch (err) {
    if (!(err instanceof ConditionsFailed)) throw err
    const winner = await findOrder(line)
    if (winner) return winner.instanceId
    throw new Refusal(RESULT.invalidParameter, 'businessId already names another instance')
  }
}

const customerLevelOf = (order: KooGalleryOrder) => {
  const line = order.orderLine[0]
  const found = [...(line?.extendParams ?? []), ...(order.extendParams ?? [])].find(
    (p) => p.name === 'customerLevel',
  )
  return found ? String(found.value) : undefined
}

/** The order line the call names (an order may hold several), and its product. */
export const lineOf = (order: KooGalleryOrder, orderLineId: string) => {
  const line = order.orderLine.find((l) => l.orderLineId === orderLineId) ?? order.orderLine[0]
  const product = line?.productInfo[0]
  if (!line || !product) throw new Refusal(RESULT.invalidParameter, 'the order names no product')
  return { line, product }
}

/** Reads the order line from the open API; not readable now means "in progress", tried again later. */
export const readOrder = async (orderId: string, orderLineId: string) => {
  try {
    const order = await queryOrder(orderId, orderLineId)
    return { order, ...lineOf(order, orderLineId) }
  } catch (err) {
    if (err instanceof OrderUnavailable) throw new Refusal(RESULT.inProgress, 'the order is being read')
    throw err
  }
}

const answerOf = async (i: InstanceItem): Promise<Outcome | undefined> =>
  i.target && i.answerEnc
    ? (JSON.parse((await platformCipher()).decrypt(i.answerEnc, aad(i.instanceId))) as Outcome)
    : undefined

/** Opens what the order bought and records it on the instance; its answer holds the credentials. */
const finishOpening = async (i: InstanceItem): Promise<Outcome> => {
  const { order, line, product } = await readOrder(i.orderId, i.orderLineId)
  const customer = customerId.safeParse(order.buyerInfo.customerId)
  if (!customer.success) throw new Refusal(RESULT.invalidParameter, 'buyerInfo.customerId: not usable')
  const expires = line.expireTime ? parseCompactTime(line.expireTime) : undefined
  const cipher = await platformCipher()
  return openInstance(
    {
      customerId: customer.data,
      customerName: order.buyerInfo.customerName,
      orderId: i.orderId,
      skuCode: product.skuCode,
      trial: order.orderType === 'TRIAL',
      expiresAt: expires === undefined ? undefined : new Date(expires).toISOString(),
      customerLevel: customerLevelOf(order),
    },
    async (target, answer) =>
      InstanceEntity.build(UpdateTransaction)
        .item({
          instanceId: i.instanceId,
          target,
          answerEnc: cipher.encrypt(JSON.stringify(answer), aad(i.instanceId)),
        })
        .options({
          condition: {
            and: [
              { attr: 'instanceId', exists: true },
              { attr: 'target', exists: false },
              { attr: 'cancelledAt', exists: false },
            ],
          },
        }),
    async () => {
      const now = await getInstance(i.instanceId)
      return now && answerOf(now)
    },
  )
}

export type V2Instance =
  | { state: 'ready'; instanceId: string; target: string; answer?: Outcome }
  | { state: 'pending'; instanceId: string }
  | { state: 'cancelled'; instanceId: string }

/**
 * The instance as the marketplace sees it: ready (with what the opening made), or still pending
 * after one more try at finishing it. `finish: false` only looks.
 */
export const instanceOf = async (
  instanceId: string,
  options: { finish: boolean },
): Promise<V2Instance | undefined> => {
  const found = await getInstance(instanceId)
  if (!found) return undefined
  if (found.cancelledAt) return { state: 'cancelled', instanceId }
  if (found.target) return { state: 'ready', instanceId, target: found.target, answer: await answerOf(found) }
  if (!options.finish) return { state: 'pending', instanceId }
  try {
    const answer = await retryOnConflict(() => finishOpening(found))
    return { state: 'ready', instanceId, target: answer.instanceId as string, answer }
  } catch (err) {
    if (err instanceof Refusal && err.resultCode === RESULT.inProgress)
      return { state: 'pending', instanceId }
    throw err
  }
}

/**
 * A release of an instance still opening: marked so that no later poll or redelivery opens it.
 * Returns what the opening made if it won the race (then that is released instead).
 */
export const cancelOpening = async (instanceId: string): Promise<string | undefined> => {
  try {
    await InstanceEntity.build(UpdateItemCommand)
      .item({ instanceId, cancelledAt: nowIso() })
      .options({
        condition: {
          and: [
            { attr: 'instanceId', exists: true },
            { attr: 'target', exists: false },
          ],
        },
      })
      .send()
    return undefined
  } catch (err) {
    if (!isConditionFailure(err)) throw err
    return (await getInstance(instanceId))?.target
  }
}
