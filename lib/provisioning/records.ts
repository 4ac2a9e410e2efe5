import { any, boolean, Entity, item, list, map, number, set, string } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { OAEP_PROFILES } from './client-secret.js'
import { OPS_CASES } from './scim-resources.js'

export const DIALECTS = ['workbench-v2', 'workbench-v1', 'scim'] as const
export type Dialect = (typeof DIALECTS)[number]

/** What an admin asks of a provisioning setting; the worker acts on it and takes it away. */
export const WAKE_ACTIONS = ['bind', 'secret', 'resync', 'unbind'] as const
export type WakeAction = (typeof WAKE_ACTIONS)[number]

export const QUEUE_STATES = ['idle', 'pending', 'failing', 'parked'] as const
export type QueueState = (typeof QUEUE_STATES)[number]

export const settingsKey = (appId: string) => `PROV#${appId}`

/**
 * One app's provisioning in a tenant: where and how to reach its provider (the access key or
 * bearer token sealed under the tenant's key), the client secret sealed for the provider, and
 * the state of its delivery queue. `generation` moves on when the dialect or endpoint changes:
 * deliveries queued for an earlier one are dropped, never sent to the new one.
 */
export const ProvisioningEntity = new Entity({
  name: 'Provisioning',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    appId: string().key(),
    dialect: string().enum(...DIALECTS),
    baseUrl: string(),
    secretEnc: string().optional(),
    secretHint: string().optional(),
    publicKeyPem: string().optional(),
    oaep: string().enum(...OAEP_PROFILES),
    /** SCIM: the tenant's departments as Groups, with the members in them (default: not sent) */
    scimGroups: boolean().optional(),
    /** SCIM: how the server wants PATCH ops spelt (default lower, as RFC 7644 has them) */
    scimOpsCase: string()
      .enum(...OPS_CASES)
      .optional(),
    /** the app's instance in the tenant, as the workbench dialects name it */
    instanceId: string(),
    generation: number(),
    /** the app's client secret, encrypted with the provider's public key (only it can read it) */
    sealedSecret: string().optional(),
    clientId: string().optional(),
    /** admin requests the worker has not acted on yet (a stream filter wakes it on these only) */
    wake: set(string()).optional(),
    /** set to none: the provider is being told; the setting goes once it has been */
    unbinding: boolean().optional(),
    // the delivery queue: its last sequence number, how its head is doing, and the knocks of those
    // who queued while another pump held it (that pump looks again before it lets go)
    nextSeq: number(),
    pokes: number(),
    state: string().enum(...QUEUE_STATES),
    attempts: number(),
    retryAt: string().optional(),
    leaseUntil: number().optional(),
    lastError: any().optional(),
    lastSuccessAt: string().optional(),
    updatedAt: string(),
    DUEPK: string().optional(),
    DUESK: string().optional(),
  }),
  computeKey: ({ tenantId, appId }: { tenantId: string; appId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: settingsKey(appId),
  }),
})

export const DELIVERY_KINDS = ['tenant', 'application', 'allOrg', 'org', 'users', 'unbound'] as const
export type DeliveryKind = (typeof DELIVERY_KINDS)[number]

/** What one delivery does; personal data is never in it (members by id, resolved at sending). */
export interface DeliveryInput {
  kind: DeliveryKind
  /** the workbench flags: 0 delete, 1 add, 2 modify, 3 revoke */
  flag?: 0 | 1 | 2 | 3
  memberIds?: string[]
  /** the department as it was changed (a deleted one can no longer be read) */
  dept?: { deptId: string; name: string; parentId: string }
}

export const deliveryPrefix = (appId: string) => `PROVQ#${appId}#`
export const deliveryKey = (appId: string, seq: number) =>
  `${deliveryPrefix(appId)}${String(seq).padStart(12, '0')}`

/** A queued delivery: `PROVQ#<appId>#<seq>`, so the queue reads in order, one app's at a time. */
export const DeliveryEntity = new Entity({
  name: 'ProvisioningDelivery',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    appId: string().key(),
    seq: number().key(),
    generation: number(),
    kind: string().enum(...DELIVERY_KINDS),
    flag: number().optional(),
    memberIds: list(string()).optional(),
    dept: map({ deptId: string(), name: string(), parentId: string() }).optional(),
    queuedAt: string(),
  }),
  computeKey: ({ tenantId, appId, seq }: { tenantId: string; appId: string; seq: number }) => ({
    PK: tenantPartition(tenantId),
    SK: deliveryKey(appId, seq),
  }),
})
