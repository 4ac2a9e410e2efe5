import { Entity, GetItemCommand, item, PutTransaction, string } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { platformCipher } from '../core/crypto/data-keys.js'
import { table } from '../core/db/table.js'

/**
 * One marketplace order as handled: claimed in the same transaction as its effect, so a
 * redelivery (concurrent or hours later) finds it and gets the same answer, never a second
 * effect. The answer may hold credentials: it is stored encrypted under the platform key.
 */
const OrderEntity = new Entity({
  name: 'MarketplaceOrder',
  table,
  timestamps: false,
  schema: item({
    market: string().key(),
    orderId: string().key(),
    activity: string().key(),
    instanceId: string(),
    answerEnc: string().optional(),
    at: string(),
  }),
  computeKey: ({ market, orderId, activity }: { market: string; orderId: string; activity: string }) => ({
    PK: `ORDER#${market}#${orderId}`,
    SK: activity,
  }),
})

export interface OrderRef {
  market: string
  orderId: string
  activity: string
}

const aad = (o: OrderRef) => `order:${o.market}:${o.orderId}:${o.activity}`

export const claimOrder = async (order: OrderRef, instanceId: string, answer?: unknown) =>
  OrderEntity.build(PutTransaction)
    .item({
      ...order,
      instanceId,
      at: nowIso(),
      answerEnc:
        answer === undefined
          ? undefined
          : (await platformCipher()).encrypt(JSON.stringify(answer), aad(order)),
    })
    .options({ condition: { attr: 'orderId', exists: false } })

export const findOrder = async <T>(
  order: OrderRef,
): Promise<{ instanceId: string; answer?: T } | undefined> => {
  const { Item } = await OrderEntity.build(GetItemCommand).key(order).options({ consistent: true }).send()
  if (!Item) return undefined
  const answer = Item.answerEnc
    ? (JSON.parse((await platformCipher()).decrypt(Item.answerEnc, aad(order))) as T)
    : undefined
  return { instanceId: Item.instanceId, answer }
}
