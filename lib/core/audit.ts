import { Entity, item, number, PutTransaction, string } from 'dynamodb-toolbox'
import { nowEpochSeconds, nowIso } from './clock.js'
import { tenantPartition } from './db/keys.js'
import { queryPage } from './db/pagination.js'
import { table } from './db/table.js'
import { newId } from './ids.js'
import type { TenantScope } from './tenancy.js'

const AUDIT_RETENTION_DAYS = 400

/**
 * Who did what to whom, in a tenant (its directory, its apps). Targets are referenced by id; personal data is
 * never copied here (the member record holds it, encrypted, and goes with the member).
 */
const AuditEntity = new Entity({
  name: 'Audit',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    entryId: string().key(),
    at: string(),
    actorId: string(),
    action: string(),
    targetId: string().optional(),
    detail: string().optional(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ tenantId, entryId }: { tenantId: string; entryId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `AUDIT#${entryId}`,
  }),
})

export const auditWrite = (
  { tenantId }: TenantScope,
  entry: { actorId: string; action: string; targetId?: string; detail?: string },
) =>
  AuditEntity.build(PutTransaction).item({
    tenantId,
    entryId: newId(),
    at: nowIso(),
    ...entry,
    expiresAtEpoch: nowEpochSeconds() + AUDIT_RETENTION_DAYS * 86_400,
  })

export const listAudit = async ({ tenantId }: TenantScope, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(AuditEntity, {
    partition: tenantPartition(tenantId),
    prefix: 'AUDIT#',
    limit,
    cursor,
    reverse: true,
  })
  return {
    items: items.map(({ at, actorId, action, targetId, detail }) => ({
      at,
      actorId,
      action,
      targetId,
      detail,
    })),
    nextCursor,
  }
}
