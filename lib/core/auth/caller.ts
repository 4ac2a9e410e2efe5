import type { TenantContext } from '../tenancy.js'
import type { Principal } from './principal.js'

interface CallerBase {
  accountId: string
  /** the refresh family the access token belongs to (logout ends it) */
  sessionId: string
  mustChangePassword: boolean
}

export interface PlatformCaller extends CallerBase {
  realm: 'platform'
}
export interface IndustryCaller extends CallerBase {
  realm: 'industry'
  industry: string
}
export interface TenantCaller extends CallerBase {
  realm: 'tenant'
  tenant: TenantContext
}

/** The caller of a request, after its token was verified and its session found still alive. */
export type Caller = PlatformCaller | IndustryCaller | TenantCaller

/**
 * Turns a verified token into the live caller, or refuses it: the token must still stand for
 * something (a session not ended, an account and membership still there and enabled, a tenant not
 * released). Provided by the auth capability; core knows only its shape.
 */
export type SessionCheck = (principal: Principal) => Promise<Caller>
