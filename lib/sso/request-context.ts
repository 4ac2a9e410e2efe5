import { AsyncLocalStorage } from 'node:async_hooks'
import type { PresentedClient } from './clients.js'
import type { AppIdentityResult, Refusal } from './identity.js'

/**
 * What one SSO request carries into the provider's callbacks, which see neither the Lambda event
 * nor each other: the client credentials it presented, why a member was refused (so the page that
 * says so can tell), what was read ahead in one batch, and the writes held for one transaction.
 */
export interface SsoRequest {
  presented?: PresentedClient
  refusal?: Refusal
  /** the provider's records read ahead, by sort key (null: read, absent) */
  records?: Map<string, Record<string, unknown> | null>
  /** clients read ahead, by client id (undefined: read, not a client here) */
  clients?: Map<string, Record<string, unknown> | undefined>
  /** members' identities for apps, by `<appCode>#<accountId>` */
  identities?: Map<string, Promise<AppIdentityResult>>
  /** records this request found already used (a refresh token's grace window) */
  spent?: Set<string>
  /** while the provider answers: its writes, committed together once it has (see store.ts) */
  writes?: Map<string, unknown>
}

const storage = new AsyncLocalStorage<SsoRequest>()

export const withSsoRequest = <T>(request: SsoRequest, run: () => Promise<T>): Promise<T> =>
  storage.run(request, run)

export const ssoRequest = (): SsoRequest => storage.getStore() ?? {}
