import { Entity, item, string } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'

/*
 * Requests to join a workbench, apart from the invitations that create and decide them
 * (invitations.ts): a login reads an account's pending requests and nothing else of those.
 */

/** A request to join that waits for an admin (invitations that need approval). */
export const JoinRequestEntity = new Entity({
  name: 'JoinRequest',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    requestId: string().key(),
    accountId: string(),
    inviteId: string(),
    nameEnc: string(),
    status: string().enum('pending', 'approved', 'rejected'),
    createdAt: string(),
    /** pending requests by account, so a login can say "waiting for approval" */
    GSI1PK: string().optional(),
    GSI1SK: string().optional(),
    /** pending requests of the tenant, for the admins' queue */
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
  }),
  computeKey: ({ tenantId, requestId }: { tenantId: string; requestId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `JOINREQ#${requestId}`,
  }),
})

/** The workbenches an account waits to join (a login with nothing else to enter says so). */
export const pendingJoinTenants = async (accountId: string) =>
  (
    await queryAll(JoinRequestEntity, { index: 'GSI1', partition: `ACCT#${accountId}`, prefix: 'JOINREQ#' })
  ).map((r) => r.tenantId)
