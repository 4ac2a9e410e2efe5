import type { BatchGetRequest } from 'dynamodb-toolbox'
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
export type SessionCheck = (principal: Principal, along?: readonly ReadAlong[]) => Promise<Caller>

/**
 * An item a route needs by key, read in the session check's own BatchGetItem rather than in a
 * request of its own (see BoundRoute.readAlong).
 */
export type ReadAlong = BatchGetRequest

const readAlong = new WeakMap<Caller, unknown[]>()
/** The session check keeps what it read along for the caller: items in the order asked, undefined where none. */
export const keepReadAlong = (caller: Caller, items: unknown[]) => readAlong.set(caller, items)
export const itemsReadAlong = (caller: Caller | undefined): unknown[] =>
  (caller && readAlong.get(caller)) ?? []
