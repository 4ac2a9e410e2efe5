import { BatchGetRequest } from 'dynamodb-toolbox'
import { sessionsStanding } from '../auth/session-check.js'
import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import { mapLimit } from '../core/concurrency.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { errorSite, log } from '../core/log.js'
import type { TenantScope } from '../core/tenancy.js'
import { membershipRequest } from '../identity/accounts.js'
import { tenantRequest } from '../tenants/queries.js'
import { forgetConnections } from './connections.js'
import { PresenceEntity, parsePresenceEntry } from './entities.js'
import { closeConnection, managementEndpoint, postToConnection } from './management.js'

/** Posts in flight at once for one delivery. */
const POSTS_IN_FLIGHT = 32

export interface PushOutcome {
  /** connections posted to */
  sent: number
  /** connections API Gateway no longer knew (taken off their member's presence) */
  gone: number
  /** connections whose session had ended (closed, taken off their member's presence) */
  closed: number
}

interface Member {
  roles?: string[]
  status?: string
}

/** Who may still hear anything of a tenant: its enabled members; of a frozen tenant, its administrators. */
const listening = (tenant: { status?: string } | undefined, membership: Member | undefined) =>
  membership?.status === 'active' &&
  !!tenant &&
  tenant.status !== 'released' &&
  (tenant.status !== 'frozen' || !!membership.roles?.includes(TENANT_ADMIN_ROLE))

/**
 * Pushes a JSON payload to every live connection of these members of a tenant: a token dies with
 * what it stands for, and a socket would otherwise live on for API Gateway's two hours. One
 * consistent BatchGetItem per 50 members reads their presence and memberships (and the tenant):
 * a member whose membership is gone or disabled, or of a frozen or released tenant, gets nothing.
 * A second reads the sessions that opened the connections found (each presence entry names its
 * session; none when nobody is connected): a connection whose session ended (logout, password
 * change or reset) gets nothing and is closed. Posts go out in parallel; a connection that answers
 * Gone or was closed leaves its member's presence. With no WebSocket API configured nobody can be
 * connected: nothing to do.
 */
export const pushToMembers = async (
  { tenantId }: TenantScope,
  memberIds: readonly string[],
  payload: unknown,
): Promise<PushOutcome> => {
  const endpoint = managementEndpoint()
  const members = [...new Set(memberIds)]
  if (!endpoint || members.length === 0) return { sent: 0, gone: 0, closed: 0 }
  const [tenant, ...read] = await batchGetRequests(
    [
      tenantRequest(tenantId),
      ...members.flatMap((memberId) => [
        PresenceEntity.build(BatchGetRequest).key({ tenantId, memberId }),
        membershipRequest('tenant', tenantId, memberId),
      ]),
    ],
    { consistent: true },
  )
  const found = members.flatMap((memberId, i) => {
    const presence = read[2 * i] as { connections?: Set<string> } | undefined
    if (!listening(tenant, read[2 * i + 1] as Member | undefined)) return []
    return [...(presence?.connections ?? [])].map((entry) => ({
      memberId,
      ...parsePresenceEntry(entry, memberId),
    }))
  })
  const standing = await sessionsStanding(
    tenantId,
    found.map((c) => c.session),
  )
  const live = found.filter((_, i) => standing[i])
  const ended = found.filter((_, i) => !standing[i])
  const data = Buffer.from(JSON.stringify(payload))
  const [outcomes] = await Promise.all([
    mapLimit(live, POSTS_IN_FLIGHT, (c) => postToConnection(endpoint, c.connectionId, data)),
    mapLimit(ended, POSTS_IN_FLIGHT, (c) =>
      closeConnection(endpoint, c.connectionId).catch((err) =>
        log.warn('closing a connection failed', errorSite(err)),
      ),
    ),
  ])
  const leaving = [...ended, ...live.filter((_, i) => outcomes[i] === 'gone')]
  const byMember = new Map<string, string[]>()
  for (const c of leaving) byMember.set(c.memberId, [...(byMember.get(c.memberId) ?? []), c.entry])
  await Promise.all(
    [...byMember].map(([memberId, entries]) => forgetConnections(tenantId, memberId, entries)),
  )
  const gone = outcomes.filter((o) => o === 'gone').length
  return { sent: outcomes.length - gone, gone, closed: ended.length }
}
