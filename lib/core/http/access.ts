import type { Permission } from '../auth/permissions.js'

interface Options {
  /** allowed while the one-time password is still unchanged (only the change itself) */
  beforePasswordChange?: boolean
  /** a write that a read-only (frozen tenant) session may still make, e.g. logout */
  allowReadOnly?: boolean
}

/** Who may call a route: it also decides what the handler receives (see Request in route.ts). */
export type Access =
  | { kind: 'public' }
  | ({ kind: 'tenant'; permission?: Permission } & Options)
  | ({ kind: 'platform' } & Options)
  | ({ kind: 'industry' } & Options)
  | ({ kind: 'signed-in' } & Options)

/** Anyone: the handler gets no caller. */
export const publicAccess = { kind: 'public' } as const

/** A member of a tenant (with the admin permission, if named): the handler gets the tenant context. */
export const tenantAccess = <P extends Permission | undefined = undefined>(
  permission?: P,
  options: Options = {},
) => ({ kind: 'tenant', permission, ...options }) as { kind: 'tenant'; permission: P } & Options

export const platformAccess = (options: Options = {}) => ({ kind: 'platform', ...options }) as const
export const industryAccess = (options: Options = {}) => ({ kind: 'industry', ...options }) as const
/** Any signed-in caller, in whichever realm their token is for. */
export const signedInAccess = (options: Options = {}) => ({ kind: 'signed-in', ...options }) as const
