import { issueAccessToken } from '../core/auth/issue-access-token.js'
import { PERMISSIONS, type Permission, TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import { AppError } from '../core/errors.js'
import { scopeOf } from '../core/tenancy.js'
import { rolePermissions } from '../directory/roles.js'
import type { Account, Membership } from '../identity/accounts.js'
import { findTenant } from '../tenants/queries.js'

const KNOWN = new Set<string>(PERMISSIONS)

/**
 * What a membership may do now. Tenant state is read at every login and refresh: a frozen
 * tenant's members are refused, its administrator gets a read-only session to see how to renew.
 */
export const resolveGrant = async (account: Account, membership: Membership) => {
  if (account.status !== 'active') throw new AppError('ACCOUNT_DISABLED', 'this account is disabled')
  if (membership.status !== 'active') throw new AppError('ACCOUNT_DISABLED', 'this membership is disabled')
  let readOnly = false
  let tenant: { tenantId: string; code: string; name: string; status: string } | undefined
  let permissions: Permission[] = []
  if (membership.realm === 'tenant') {
    const isAdmin = membership.roles.includes(TENANT_ADMIN_ROLE)
    const [t, fromRoles] = await Promise.all([
      findTenant(membership.ctx),
      // The tenant administrator holds the whole catalog, including permissions added since.
      isAdmin ? PERMISSIONS : rolePermissions(scopeOf(membership.ctx), membership.roles),
    ])
    permissions = fromRoles.filter((p): p is Permission => KNOWN.has(p))
    if (!t || t.status === 'released') throw new AppError('FORBIDDEN', 'no access to this tenant')
    if (t.status === 'frozen') {
      if (!isAdmin) {
        throw new AppError('TENANT_FROZEN', 'this workbench is frozen; ask your administrator to renew it')
      }
      readOnly = true
    }
    tenant = { tenantId: t.tenantId, code: t.code, name: t.name, status: t.status }
  }
  return { membership, tenant, readOnly, permissions }
}

export type Grant = Awaited<ReturnType<typeof resolveGrant>>

export const issueTokens = async (
  account: Account,
  grant: Grant,
  session: { familyId: string; refreshToken: string },
) => {
  const { membership } = grant
  const { token, expiresIn } = await issueAccessToken({
    sub: account.accountId,
    scp: membership.realm,
    ctx: membership.realm === 'platform' ? undefined : membership.ctx,
    mid: membership.realm === 'tenant' ? membership.accountId : undefined,
    roles: membership.roles,
    perms: grant.permissions,
    pwc: account.mustChangePassword || undefined,
    ro: grant.readOnly || undefined,
    sid: session.familyId,
    aep: account.sessionEpoch,
  })
  return {
    accessToken: token,
    refreshToken: session.refreshToken,
    tokenType: 'Bearer' as const,
    expiresIn,
    realm: membership.realm,
    tenant: grant.tenant,
    industry: membership.realm === 'industry' ? membership.ctx : undefined,
    mustChangePassword: account.mustChangePassword,
    readOnly: grant.readOnly,
  }
}
