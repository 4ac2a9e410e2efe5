import { createHash, timingSafeEqual } from 'node:crypto'
import {
  BatchGetRequest,
  DeleteTransaction,
  Entity,
  GetItemCommand,
  item,
  PutTransaction,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { randomToken, secretDigest } from '../core/ids.js'
import type { TenantScope } from '../core/tenancy.js'
import type { PurgeProgress } from '../core/tenant-hooks.js'
import { TenantAppEntity } from './tenant-apps.js'

/**
 * An app's client at a tenant's issuer: the client id resolves the tenant and the app on a shared
 * host (token endpoints, code exchange). Unique platform-wide; outside the tenant's partition, so
 * the apps' purge removes it at release.
 */
const ClientEntity = new Entity({
  name: 'AppClient',
  table,
  timestamps: false,
  schema: item({ clientId: string().key(), tenantId: string(), appCode: string() }),
  computeKey: ({ clientId }: { clientId: string }) => ({ PK: `CLIENT#${clientId}`, SK: 'CLIENT' }),
})

/** Which tenant and app a client id belongs to, as a batch read. */
export const clientRequest = (clientId: string) => ClientEntity.build(BatchGetRequest).key({ clientId })

/** Which tenant and app a client id belongs to. */
export const clientOf = async (clientId: string) =>
  (await ClientEntity.build(GetItemCommand).key({ clientId }).send()).Item

/** Secrets are 256 random bits: a plain SHA-256 is all their storage needs (nothing to stretch). */

/** Whether a presented secret is the one whose hash is kept, in constant time. */
export const secretMatches = (secret: string, hash: string | undefined) => {
  if (hash === undefined) return false
  const given = createHash('sha256').update(secret).digest()
  const kept = Buffer.from(hash, 'base64url')
  return kept.length === given.length && timingSafeEqual(given, kept)
}

export const newClient = () => ({
  clientId: `cli_${randomToken(18)}`,
  clientSecret: `sec_${randomToken(32)}`,
})

/** The writes that give an app a client (a new one) with a new secret. */
export const issueClientWrites = (
  scope: TenantScope,
  appCode: string,
  client: ReturnType<typeof newClient>,
) => [
  ClientEntity.build(PutTransaction)
    .item({ clientId: client.clientId, tenantId: scope.tenantId, appCode })
    .options({ condition: { attr: 'clientId', exists: false } }),
]

/** The write that replaces an app's secret (the old one stops working at once). */
export const newSecretWrite = (scope: TenantScope, appCode: string, clientId: string, clientSecret: string) =>
  TenantAppEntity.build(UpdateTransaction)
    .item({ tenantId: scope.tenantId, appCode, clientId, clientSecretHash: secretDigest(clientSecret) })
    .options({ condition: { attr: 'appCode', exists: true } })

export const dropClientWrite = (clientId: string) => ClientEntity.build(DeleteTransaction).key({ clientId })

/**
 * Release: the client guards of the tenant's apps. Run before the partition is purged (the apps
 * name their clients); each call removes up to `budget`.
 */
export const purgeClients = async (scope: TenantScope, budget: number): Promise<PurgeProgress> => {
  const apps = (
    await queryAll(TenantAppEntity, { partition: tenantPartition(scope.tenantId), prefix: 'APP#' })
  ).filter((a) => a.clientId !== undefined)
  const doomed = apps.slice(0, Math.min(budget, 50))
  if (doomed.length === 0) return { deleted: 0, done: true }
  const tx = transaction()
  for (const a of doomed) {
    tx.add('client', dropClientWrite(a.clientId as string))
    tx.add(
      'app',
      TenantAppEntity.build(DeleteTransaction).key({ tenantId: scope.tenantId, appCode: a.appCode }),
    )
  }
  await tx.run()
  return { deleted: doomed.length * 2, done: doomed.length === apps.length }
}
