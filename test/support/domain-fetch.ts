import { request } from 'node:http'
import type { LookupFunction } from 'node:net'

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
export const domainFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
  const url = new URL(input instanceof Request ? input.url : input)
  const headers = new Headers(init.headers)
  const body = init.body === undefined || init.body === null ? undefined : String(init.body)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers: Object.fromEntries(headers), lookup: loopback },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const out = new Headers()
          for (const [k, v] of Object.entries(res.headers)) {
            for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, one)
          }
          const status = res.statusCode ?? 500
          const content = [204, 304].includes(status) ? null : Buffer.concat(chunks)
          resolve(new Response(content, { status, headers: out }))
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
