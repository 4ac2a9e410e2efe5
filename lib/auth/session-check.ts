import { BatchGetCommand, executeBatchGet } from 'dynamodb-toolbox'
import { type Caller, keepReadAlong, type ReadAlong, type SessionCheck } from '../core/auth/caller.js'
import { PERMISSIONS, type Permission, TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import type { Principal } from '../core/auth/principal.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { table } from '../core/db/table.js'
import { AppError } from '../core/errors.js'
import { trustedTenantId } from '../core/tenancy.js'
import { accountRequest, keptAppIds, membershipRequest } from '../identity/accounts.js'
import { tenantRequest } from '../tenants/queries.js'
import type { TenantRecord } from '../tenants/record.js'
import { sessionRequest } from './sessions.js'

/**
 * The tenant record the check read for a caller, consistently and at the start of this request:
 * a route that shows the caller's tenant needs no second read of it.
 */
const checkedTenants = new WeakMap<Caller, TenantRecord>()
export const checkedTenantOf = (caller: Caller): TenantRecord | undefined => checkedTenants.get(caller)

/** A tenant member's departments as the check read them, so content visibility needs no second read. */
const checkedPlaces = new WeakMap<Caller, { departmentIds: readonly string[] }>()
export const checkedPlaceOf = (caller: Caller) => checkedPlaces.get(caller)

/**
 * The ids of the apps a tenant member is entitled to, from their membership as the check read it
 * (kept there by every entitlement change), so the member's apps need no read of the entitlements.
 * Undefined for a membership that does not keep them yet.
 */
const checkedApps = new WeakMap<Caller, readonly string[]>()
export const checkedAppIdsOf = (caller: Caller) => checkedApps.get(caller)

const ended = () => new AppError('SESSION_ENDED', 'this session has ended: log in again')

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x))

/** What a session's token carries to tie it to its login: its family and the account's epoch then. */
export type SessionOf = Pick<Principal, 'accountId' | 'sessionId' | 'accountEpoch'>

interface SessionItems {
  account?: Record<string, unknown>
  family?: Record<string, unknown>
}

/** A session stands while its family is not revoked and the account's password has not moved on. */
const sessionStands = (s: SessionOf, { account, family }: SessionItems) =>
  !!account &&
  account.sessionEpoch === s.accountEpoch &&
  !!family &&
  !family.revoked &&
  family.accountId === s.accountId

/**
 * Which of these sessions of one tenant still stand (logout, a password change or reset end
 * them), in their order: one consistent BatchGetItem per 100 distinct families and accounts. For
 * what outlives a request, e.g. a WebSocket connection opened by a session.
 */
export const sessionsStanding = async (tenantId: string, sessions: readonly SessionOf[]) => {
  if (sessions.length === 0) return []
  const items = await batchGetRequests(
    sessions.flatMap((s) => [
      accountRequest(s.accountId),
      sessionRequest({ realm: 'tenant', ctx: tenantId, familyId: s.sessionId }),
    ]),
    { consistent: true },
  )
  return sessions.map((s, i) => sessionStands(s, { account: items[2 * i], family: items[2 * i + 1] }))
}

/**
 * A token dies with what it stands for. One consistent BatchGetItem reads the account, the session
 * family, the membership and (for a tenant) the tenant, and the token is refused when the session
 * was ended (logout), the password changed or was reset (the account's epoch moved on), the
 * membership is gone or disabled, or the tenant is released; members of a frozen tenant are
 * refused and its administrator reads only. Roles that changed make the token stale: the client
 * refreshes it and gets the new permissions. What a route reads along (a tenant caller's) joins
 * the same BatchGetItem and is kept for the route only once the caller is found alive.
 */
export const liveSession: SessionCheck = async (
  p: Principal,
  along: readonly ReadAlong[] = [],
): Promise<Caller> => {
  const realm = p.scope
  const ctx = realm === 'tenant' ? (p.tenantId ?? '') : realm === 'industry' ? (p.industry ?? '') : ''
  const own = [
    accountRequest(p.accountId),
    sessionRequest({ realm, ctx, familyId: p.sessionId }),
    membershipRequest(realm, ctx, p.accountId),
    tenantRequest(realm === 'tenant' ? ctx : '-'),
  ] as const
  // BatchGetItem refuses a key asked twice (the caller's own membership among colleagues'): each once
  const keyOf = (r: ReadAlong) => JSON.stringify(r.params())
  const asked = [...own.map(keyOf)]
  const extra = along.filter((r) => {
    const key = keyOf(r)
    if (asked.includes(key)) return false
    asked.push(key)
    return true
  })
  const command = table
    .build(BatchGetCommand)
    .requests(...own, ...extra)
    .options({ consistent: true })
  const {
    Responses: [items],
  } = await executeBatchGet({ maxAttempts: 5 }, command)
  const [account, family, membership, tenant] = items
  const alongItems = along.map((r) => items[asked.indexOf(keyOf(r))])
  if (!sessionStands(p, { account, family }) || !account || !membership) throw ended()
  if (account.status !== 'active' || membership.status !== 'active') {
    throw new AppError('ACCOUNT_DISABLED', 'this account is disabled here')
  }
  if (!sameSet(membership.roles, p.roles)) {
    throw new AppError('TOKEN_STALE', 'your roles changed: refresh the token')
  }
  const base = { accountId: p.accountId, sessionId: p.sessionId, mustChangePassword: p.mustChangePassword }
  if (realm === 'platform') return { ...base, realm }
  if (realm === 'industry') return { ...base, realm, industry: ctx }
  if (!tenant || tenant.status === 'released') throw ended()
  const isTenantAdmin = membership.roles.includes(TENANT_ADMIN_ROLE)
  if (tenant.status === 'frozen' && !isTenantAdmin) {
    throw new AppError('TENANT_FROZEN', 'this workbench is frozen; ask your administrator to renew it')
  }
  const caller: Caller = {
    ...base,
    realm,
    tenant: {
      tenantId: trustedTenantId(tenant.tenantId),
      code: tenant.code,
      readOnly: tenant.status === 'frozen',
      actor: {
        accountId: p.accountId,
        roles: membership.roles,
        permissions: isTenantAdmin ? PERMISSIONS : (p.permissions as Permission[]),
        isTenantAdmin,
      },
    },
  }
  checkedTenants.set(caller, tenant)
  checkedPlaces.set(caller, { departmentIds: membership.departmentIds ?? [] })
  keepReadAlong(caller, alongItems)
  const apps = keptAppIds(membership)
  if (apps) checkedApps.set(caller, apps)
  return caller
}
