import {
  $add,
  $delete,
  DeleteItemCommand,
  GetItemCommand,
  PutTransaction,
  UpdateItemCommand,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import type { Principal } from '../core/auth/principal.js'
import { nowEpochSeconds, nowIso } from '../core/clock.js'
import { transaction } from '../core/db/transaction.js'
import type { TenantScope } from '../core/tenancy.js'
import {
  CONNECTION_LIFETIME_SECONDS,
  ConnectionEntity,
  connectionsPartition,
  PresenceEntity,
  presenceEntry,
} from './entities.js'

/** A member's device connected (its token checked by `$connect`): the connection and its member's presence, together. */
export const registerConnection = async (
  { tenantId }: TenantScope,
  c: { memberId: string; principal: Principal; connectionId: string },
): Promise<void> => {
  const expiresAtEpoch = nowEpochSeconds() + CONNECTION_LIFETIME_SECONDS
  await transaction()
    .add(
      'connection',
      ConnectionEntity.build(PutTransaction).item({
        connectionId: c.connectionId,
        memberId: c.memberId,
        principal: JSON.stringify(c.principal),
        tenantId,
        connectedAt: nowIso(),
        expiresAtEpoch,
        GSI2PK: connectionsPartition(tenantId),
        GSI2SK: c.connectionId,
      }),
    )
    .add(
      'presence',
      PresenceEntity.build(UpdateTransaction).item({
        tenantId,
        memberId: c.memberId,
        connections: $add(new Set([presenceEntry(c.connectionId, c.principal)])),
        expiresAtEpoch,
      }),
    )
    .run()
}

/** Takes presence entries off a member's presence (closed, found gone when posted to, session ended). */
export const forgetConnections = async (tenantId: string, memberId: string, entries: string[]) => {
  if (entries.length === 0) return
  await PresenceEntity.build(UpdateItemCommand)
    .item({ tenantId, memberId, connections: $delete(new Set(entries)) })
    .options({ condition: { attr: 'memberId', exists: true } })
    .send()
    .catch((err: Error) => {
      // the presence expired meanwhile: nothing left to take off
      if (err.name !== 'ConditionalCheckFailedException') throw err
    })
}

/** `$disconnect`: whose connection it was is read as it is deleted, then it leaves their presence. */
export const dropConnection = async (connectionId: string): Promise<void> => {
  const { Attributes: gone } = await ConnectionEntity.build(DeleteItemCommand)
    .key({ connectionId })
    .options({ returnValues: 'ALL_OLD' })
    .send()
  if (gone)
    await forgetConnections(gone.tenantId, gone.memberId, [
      presenceEntry(connectionId, JSON.parse(gone.principal) as Principal),
    ])
}

/** The principal a connection was opened with (undefined: not ours, or closed). */
export const connectionPrincipal = async (connectionId: string): Promise<Principal | undefined> => {
  const { Item } = await ConnectionEntity.build(GetItemCommand)
    .key({ connectionId })
    .options({ consistent: true })
    .send()
  return Item ? (JSON.parse(Item.principal) as Principal) : undefined
}
