import { $remove, Entity, item, PutTransaction, string, UpdateTransaction } from 'dynamodb-toolbox'
import { nowIso, nowMs } from '../core/clock.js'
import type { WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { getTenantApp, subscriptionDueKeys, TenantAppEntity } from './tenant-apps.js'

/** The order history of a subscribed app: each order that changed it, when. */
const AppOrderEntity = new Entity({
  name: 'AppOrder',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    eventId: string().key(),
    appCode: string(),
    activity: string(),
    orderId: string().optional(),
    at: string(),
  }),
  computeKey: ({ tenantId, eventId }: { tenantId: string; eventId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `APPORDER#${eventId}`,
  }),
})

export class SubscriptionClaimTaken extends Error {}

const orderWrite = (tenantId: string, appCode: string, activity: string, orderId?: string) =>
  AppOrderEntity.build(PutTransaction).item({
    tenantId,
    eventId: newId(),
    appCode,
    activity,
    orderId,
    at: nowIso(),
  })

const run = (claim: WriteItem | undefined, app: WriteItem, order: WriteItem) =>
  transaction()
    .add('claim', ...(claim ? [claim] : []))
    .add('app', app)
    .add('order', order)
    .run({
      claim: () => new SubscriptionClaimTaken('already handled'),
      app: () => new AppError('CONFLICT', 'the subscription changed meanwhile'),
    })

export interface Subscription {
  tenantId: string
  appCode: string
  seats: number
  expiresAt: string
  /** on the sku's trial, before it is ordered */
  trial?: boolean
  instanceId: string
  market: string
  orderId?: string
  claim?: WriteItem
}

/** Instantiates a subscribed app in a tenant with its licence; a lapsed one is subscribed anew. */
export const subscribeApp = async (s: Subscription) => {
  const existing = await getTenantApp(s.tenantId, s.appCode)
  if (existing?.status === 'active') {
    throw new AppError('ALREADY_EXISTS', `the tenant already has ${s.appCode}`)
  }
  const licence = {
    tenantId: s.tenantId,
    appCode: s.appCode,
    source: 'subscribed' as const,
    status: 'active' as const,
    seats: s.seats,
    expiresAt: s.expiresAt,
    trial: s.trial === true,
    instanceId: s.instanceId,
    market: s.market,
    ...subscriptionDueKeys(s.tenantId, s.appCode, s.expiresAt),
  }
  await run(
    s.claim,
    // A lapsed app is updated in place: its grants, their version and the seats held stay.
    existing
      ? TenantAppEntity.build(UpdateTransaction)
          .item(licence)
          .options({ condition: { attr: 'status', eq: existing.status } })
      : TenantAppEntity.build(PutTransaction)
          .item({ ...licence, addedAt: nowIso() })
          .options({ condition: { attr: 'appCode', exists: false } }),
    orderWrite(s.tenantId, s.appCode, 'subscribed', s.orderId),
  )
}

const offTheDueIndex = { DUEPK: $remove(), DUESK: $remove() }

const loadSubscription = async (tenantId: string, appCode: string) => {
  const app = await getTenantApp(tenantId, appCode)
  if (app?.source !== 'subscribed' || app.status === 'released') throw notFound('subscription')
  return app
}

/** Renewal, also after expiry: the app works again with the new expiry. */
export const renewSubscription = async (
  tenantId: string,
  appCode: string,
  expiresAt: string,
  by: { orderId?: string; claim?: WriteItem; toFormal?: boolean },
) => {
  const app = await loadSubscription(tenantId, appCode)
  await run(
    by.claim,
    TenantAppEntity.build(UpdateTransaction)
      .item({
        tenantId,
        appCode,
        status: 'active',
        expiresAt,
        ...(by.toFormal ? { trial: false } : {}),
        ...subscriptionDueKeys(tenantId, appCode, expiresAt),
      })
      .options({ condition: { attr: 'status', eq: app.status } }),
    orderWrite(tenantId, appCode, by.toFormal ? 'ordered after its trial' : 'renewed', by.orderId),
  )
}

/** The scheduler's expiry: the app stops working for the tenant; its grants are kept. */
export const expireSubscription = async (tenantId: string, appCode: string, force = false) => {
  const app = await loadSubscription(tenantId, appCode)
  if (app.status !== 'active') return 'skipped' as const
  if (!force && app.expiresAt && Date.parse(app.expiresAt) > nowMs()) return 'skipped' as const
  await run(
    undefined,
    TenantAppEntity.build(UpdateTransaction)
      .item({ tenantId, appCode, status: 'expired', ...offTheDueIndex })
      .options({
        condition: {
          and: [
            { attr: 'status', eq: 'active' },
            { attr: 'expiresAt', eq: app.expiresAt as string },
          ],
        },
      }),
    orderWrite(tenantId, appCode, 'expired'),
  )
  return 'expired' as const
}

/** The order is gone: the app leaves the tenant's workbench for good (its record stays). */
export const releaseSubscription = async (tenantId: string, appCode: string) => {
  const app = await getTenantApp(tenantId, appCode)
  if (!app || app.status === 'released') return
  await run(
    undefined,
    TenantAppEntity.build(UpdateTransaction)
      .item({ tenantId, appCode, status: 'released', ...offTheDueIndex })
      .options({ condition: { attr: 'status', eq: app.status } }),
    orderWrite(tenantId, appCode, 'released'),
  )
}
