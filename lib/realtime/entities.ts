import { Entity, item, number, set, string } from 'dynamodb-toolbox'
import type { SessionOf } from '../auth/session-check.js'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'

/**
 * API Gateway ends every WebSocket connection after two hours: nothing of a connection needs to
 * outlive that, so its items expire with it (TTL), whatever became of its `$disconnect`.
 */
export const CONNECTION_LIFETIME_SECONDS = 2 * 60 * 60

/**
 * A member's live connections (one per device) as a string set on one item of the tenant's
 * partition: delivery to n members reads n of these (with their memberships) in one BatchGetItem
 * per 50 members, whatever the tenant's size. Sets are added to and deleted from without a read,
 * so two devices connecting at once both stay. Each entry names the session that opened the
 * connection (see presenceEntry), so delivery checks the sessions without reading the connections.
 */
export const PresenceEntity = new Entity({
  name: 'Presence',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    memberId: string().key(),
    /** presence entries: `<connectionId> <session family> <account epoch>` */
    connections: set(string()).optional(),
    /** two hours after the latest connection: every connection it lists is gone by then */
    expiresAtEpoch: number(),
  }),
  computeKey: ({ tenantId, memberId }: { tenantId: string; memberId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `WSPRES#${memberId}`,
  }),
})

/**
 * A connection by its id, which is all `$disconnect` is given: whose it is. It lives outside the
 * tenant's partition (the id is API Gateway's), so it is on the tenant's GSI2 partition `WSCONNS`
 * for the purge at release.
 */
export const ConnectionEntity = new Entity({
  name: 'Connection',
  table,
  timestamps: false,
  schema: item({
    connectionId: string().key(),
    tenantId: string(),
    memberId: string(),
    /**
     * The connecting token's principal as JSON (ids, roles, permissions: no personal data): each
     * message on the connection is checked live with it
     */
    principal: string(),
    connectedAt: string(),
    expiresAtEpoch: number(),
    GSI2PK: string(),
    GSI2SK: string(),
  }),
  computeKey: ({ connectionId }: { connectionId: string }) => ({
    PK: `WSCONN#${connectionId}`,
    SK: 'WSCONN',
  }),
})

export const connectionsPartition = (tenantId: string) => tenantIndexPartition(tenantId, 'WSCONNS')

/** A connection in its member's presence, with the session it was opened by. */
export const presenceEntry = (connectionId: string, s: Omit<SessionOf, 'accountId'>) =>
  `${connectionId} ${s.sessionId} ${s.accountEpoch}`

export const parsePresenceEntry = (entry: string, accountId: string) => {
  const [connectionId = '', sessionId = '', epoch] = entry.split(' ')
  return { entry, connectionId, session: { accountId, sessionId, accountEpoch: Number(epoch) } }
}
