import type { Permission } from './auth/permissions.js'

declare const tenantBrand: unique symbol

/**
 * A tenant id that came from somewhere trusted: a verified access token (checked against the live
 * session), or a lookup the code made itself (an invitation code, a marketplace instance, the due
 * index). Never from a path or a body: those give plain strings, which do not type-check here.
 */
export type TenantId = string & { readonly [tenantBrand]: true }

/** The boundary: whose data an operation touches. Every key of tenant data is built from it. */
export interface TenantScope {
  readonly tenantId: TenantId
}

/** Who acts inside a tenant: a member (an admin, a business admin) or the system. */
export interface TenantActor {
  /** the account acting; for the system, a name such as `system:marketplace` */
  readonly accountId: string
  readonly roles: readonly string[]
  readonly permissions: readonly Permission[]
  /** the tenant administrator holds every permission and is out of business admins' reach */
  readonly isTenantAdmin: boolean
}

/** A tenant-scoped operation's context: the tenant, its state as checked, and the actor. */
export interface TenantContext extends TenantScope {
  readonly code: string
  readonly actor: TenantActor
  /** a frozen tenant's administrator may read, not write */
  readonly readOnly: boolean
}

/** A tenant id the code resolved itself (see TenantId); say where it came from at the call. */
export const trustedTenantId = (tenantId: string): TenantId => tenantId as TenantId

export const scopeOf = (tenantId: string): TenantScope => ({ tenantId: trustedTenantId(tenantId) })

/** The system acting on a tenant (marketplace orders, scheduled jobs, a stranger joining by code). */
export const systemContext = (scope: TenantScope & { code: string }, name: string): TenantContext => ({
  tenantId: scope.tenantId,
  code: scope.code,
  readOnly: false,
  actor: { accountId: `system:${name}`, roles: [], permissions: [], isTenantAdmin: false },
})
