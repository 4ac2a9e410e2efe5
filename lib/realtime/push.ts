import { BatchGetRequest } from 'dynamodb-toolbox'
import { mapLimit } from '../core/concurrency.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import type { TenantScope } from '../core/tenancy.js'
import { membershipRequest } from '../identity/accounts.js'
import { forgetConnections } from './connections.js'
import { PresenceEntity } from './entities.js'
import { managementEndpoint, postToConnection } from './management.js'

/** Posts in flight at once for one delivery. */
const POSTS_IN_FLIGHT = 32

export interface PushOutcome {
  /** connections posted to */
  sent: number
  /** connections API Gateway no longer knew (taken off their member's presence) */
  gone: number
}

/**
 * Pushes a JSON payload to every live connection of these members of a tenant. Their presence and
 * their memberships are read in one consistent BatchGetItem per 50 members: a member whose
 * membership is gone or disabled gets nothing, even over a socket opened before (a token dies with
 * its membership; the socket would live on until API Gateway's two hours). Posts go out in
 * parallel; a connection that answers Gone is taken off its member's presence. With no WebSocket
 * API configured nobody can be connected: nothing to do.
 */
export const pushToMembers = async (
  { tenantId }: TenantScope,
  memberIds: readonly string[],
  payload: unknown,
): Promise<PushOutcome> => {
  const endpoint = managementEndpoint()
  const members = [...new Set(memberIds)]
  if (!endpoint || members.length === 0) return { sent: 0, gone: 0 }
  const read = await batchGetRequests(
    members.flatMap((memberId) => [
      PresenceEntity.build(BatchGetRequest).key({ tenantId, memberId }),
      membershipRequest('tenant', tenantId, memberId),
    ]),
    { consistent: true },
  )
  const targets = members.flatMap((memberId, i) => {
    const presence = read[2 * i] as { connectionIds?: Set<string> } | undefined
    const membership = read[2 * i + 1] as { status?: string } | undefined
    if (membership?.status !== 'active') return []
    return [...(presence?.connectionIds ?? [])].map((connectionId) => ({ memberId, connectionId }))
  })
  const data = Buffer.from(JSON.stringify(payload))
  const outcomes = await mapLimit(targets, POSTS_IN_FLIGHT, (t) =>
    postToConnection(endpoint, t.connectionId, data),
  )
  const gone = new Map<string, string[]>()
  outcomes.forEach((o, i) => {
    const t = targets[i]
    if (o === 'gone' && t) gone.set(t.memberId, [...(gone.get(t.memberId) ?? []), t.connectionId])
  })
  await Promise.all([...gone].map(([memberId, ids]) => forgetConnections(tenantId, memberId, ids)))
  const lost = outcomes.filter((o) => o === 'gone').length
  return { sent: outcomes.length - lost, gone: lost }
}
