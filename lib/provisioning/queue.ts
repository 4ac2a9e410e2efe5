import { $add, $set, PutTransaction, UpdateItemCommand } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { deleteKeys } from '../core/db/purge-keys.js'
import { MAX_TRANSACTION_ACTIONS, transaction } from '../core/db/transaction.js'
import {
  DeliveryEntity,
  type DeliveryInput,
  deliveryKey,
  deliveryPrefix,
  ProvisioningEntity,
} from './records.js'

export type QueuedDelivery = Awaited<ReturnType<typeof queueHead>>[number]

/**
 * Appends deliveries to an app's queue, in the order given: the setting's counter hands out their
 * sequence numbers (one request), then they are written. Nothing is queued for an app whose
 * provisioning is gone. A crash between the two leaves a gap, never a disorder.
 */
export const enqueue = async (tenantId: string, appId: string, deliveries: DeliveryInput[]) => {
  if (deliveries.length === 0) return 0
  let last: number
  let generation: number
  try {
    const { Attributes } = await ProvisioningEntity.build(UpdateItemCommand)
      .item({ tenantId, appId, nextSeq: $add(deliveries.length) })
      .options({ condition: { attr: 'dialect', exists: true }, returnValues: 'ALL_NEW' })
      .send()
    last = Attributes?.nextSeq as number
    generation = Attributes?.generation as number
  } catch (err) {
    if (isConditionFailure(err)) return 0
    throw err
  }
  const first = last - deliveries.length + 1
  const queuedAt = nowIso()
  for (let i = 0; i < deliveries.length; i += MAX_TRANSACTION_ACTIONS) {
    const tx = transaction()
    deliveries.slice(i, i + MAX_TRANSACTION_ACTIONS).forEach((d, j) => {
      tx.add(
        'delivery',
        DeliveryEntity.build(PutTransaction).item({
          tenantId,
          appId,
          seq: first + i + j,
          generation,
          queuedAt,
          ...d,
        }),
      )
    })
    await tx.run()
  }
  return deliveries.length
}

/** The first deliveries of an app's queue, oldest first. */
export const queueHead = async (tenantId: string, appId: string, limit = 50) =>
  (
    await queryPage(DeliveryEntity, {
      partition: tenantPartition(tenantId),
      prefix: deliveryPrefix(appId),
      limit,
      consistent: true,
    })
  ).items

export const dropDeliveries = (tenantId: string, appId: string, seqs: number[]) =>
  deleteKeys(seqs.map((seq) => ({ PK: tenantPartition(tenantId), SK: deliveryKey(appId, seq) })))

/** What stays queued of a delivery sent in part. */
export const keepRest = (tenantId: string, appId: string, rest: { seq: number; memberIds: string[] }) =>
  DeliveryEntity.build(UpdateItemCommand)
    .item({ tenantId, appId, seq: rest.seq, memberIds: $set(rest.memberIds) })
    .options({ condition: { attr: 'seq', exists: true } })
    .send()
