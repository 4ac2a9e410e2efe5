import type { LookupFunction } from 'node:net'
import { outboundFetch } from '../../lib/core/http/outbound.js'

/** Every name resolves to this machine, as a browser resolves `*.localhost`. */
const loopback: LookupFunction = (_host, options, done) => {
  if (options.all) done(null, [{ address: '127.0.0.1', family: 4 }])
  else done(null, '127.0.0.1', 4)
}

/**
 * A fetch that reaches `http://<code>.<PLATFORM_DOMAIN>:<port>` on this machine with that host name
 * (Node's resolver knows no `*.localhost`, and its fetch rewrites the Host header): a tenant's own
 * domain as a browser on the local stack sees it. Redirects are never followed.
 */
export const domainFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
  outboundFetch(input instanceof Request ? input.url : input, {
    method: init.method,
    headers: init.headers,
    body: init.body === undefined || init.body === null ? undefined : String(init.body),
    lookup: loopback,
  })
