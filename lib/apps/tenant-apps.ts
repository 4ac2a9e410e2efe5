import {
  any,
  BatchGetRequest,
  boolean,
  ConditionCheck,
  Entity,
  GetItemCommand,
  item,
  list,
  number,
  PutTransaction,
  QueryCommand,
  string,
} from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { dueKeys } from '../core/due.js'

export const APP_STATUSES = ['active', 'expired', 'released'] as const

/**
 * An app bound to a tenant: base and preinstalled on opening; subscribed ones carry their
 * licence (seats, expiry) and sit on the due index until they expire.
 */
export const TenantAppEntity = new Entity({
  name: 'TenantApp',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    appCode: string().key(),
    source: string().enum('base', 'preinstalled', 'subscribed', 'self-built'),
    status: string().enum(...APP_STATUSES),
    addedAt: string(),
    seats: number().optional(),
    expiresAt: string().optional(),
    /** a subscription still on its trial (until it is ordered) */
    trial: boolean().optional(),
    instanceId: string().optional(),
    /** the marketplace whose order subscribed it: only it may act on the subscription */
    market: string().optional(),
    /** an admin switched it off (absent: on) */
    enabled: boolean().optional(),
    /** where the workbench shows it: an app group, and its place in it */
    groupId: string().optional(),
    order: number().optional(),
    /** a self-built app's own definition (catalog apps take theirs from the catalog) */
    definition: any().optional(),
    /** the app's client at this tenant's issuer; only the secret's hash is kept */
    clientId: string().optional(),
    clientSecretHash: string().optional(),
    /** the personal fields the tenant lets this app receive (of those it asks for; absent: none) */
    approvedFields: list(string()).optional(),
    /** moves on at every change of the app's grants: entitlements computed from them check it */
    grantsVersion: number().optional(),
    /** members holding one of a licensed app's seats (never more than `seats`) */
    seatsHeld: number().optional(),
    DUEPK: string().optional(),
    DUESK: string().optional(),
  }),
  computeKey: ({ tenantId, appCode }: { tenantId: string; appCode: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `APP#${appCode}`,
  }),
})

/** Writes binding the edition's base apps and the industry's preinstalled apps to a new tenant. */
export const bindInitialAppsWrites = (tenantId: string, baseApps: string[], preinstalled: string[]) => {
  const addedAt = nowIso()
  const sources = new Map<string, 'base' | 'preinstalled'>()
  for (const code of preinstalled) sources.set(code, 'preinstalled')
  for (const code of baseApps) sources.set(code, 'base')
  return [...sources].map(([appCode, source]) =>
    TenantAppEntity.build(PutTransaction).item({ tenantId, appCode, source, status: 'active', addedAt }),
  )
}

export const tenantAppRequest = (tenantId: string, appCode: string) =>
  TenantAppEntity.build(BatchGetRequest).key({ tenantId, appCode })

/** A transaction item that only checks the app is still in the state read (what hangs on it stays valid). */
export const tenantAppStill = (tenantId: string, appCode: string, status: (typeof APP_STATUSES)[number]) =>
  TenantAppEntity.build(ConditionCheck).key({ tenantId, appCode }).condition({ attr: 'status', eq: status })

export const getTenantApp = async (tenantId: string, appCode: string) => {
  const { Item } = await TenantAppEntity.build(GetItemCommand)
    .key({ tenantId, appCode })
    .options({ consistent: true })
    .send()
  return Item
}

export const listTenantApps = async (tenantId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(TenantAppEntity)
    .query({ partition: tenantPartition(tenantId), range: { beginsWith: 'APP#' } })
    .send()
  return Items.map(({ appCode, source, status, seats, expiresAt }) => ({
    appCode,
    source,
    status,
    seats,
    expiresAt,
  }))
}

export const subscriptionDueKeys = (tenantId: string, appCode: string, expiresAt: string) =>
  dueKeys(expiresAt, 'SUB', tenantId, appCode)
