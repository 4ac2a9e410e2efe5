import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { config } from '../config.js'

/*
 * The resolver and the block list are made at the first request out, not when a function loads:
 * most invocations of the functions that import this send none (about 1 ms of sso's cold start).
 */
const dns = () => process.getBuiltinModule('node:dns')
const resolve: LookupFunction = (host, options, done) => dns().lookup(host, options, done)

/**
 * Addresses a request to an address a tenant typed in (an app's logout URL, a provider's endpoint)
 * must never reach: this machine, private networks, link-local (cloud metadata), the rest of the
 * special-use ranges. Locally apps run on this machine, so the local stack allows them.
 */
let specialUse: BlockList | undefined
const specialUseList = () => {
  if (specialUse) return specialUse
  const list = new BlockList()
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 3],
  ] as const) {
    list.addSubnet(net, bits, 'ipv4')
  }
  for (const [net, bits] of [
    ['::', 127],
    ['64:ff9b::', 96],
    ['100::', 64],
    ['2001:db8::', 32],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(net, bits, 'ipv6')
  }
  specialUse = list
  return list
}

export const isSpecialUse = (address: string) => {
  const family = isIP(address)
  return family !== 0 && specialUseList().check(address, family === 4 ? 'ipv4' : 'ipv6')
}

const forbidden = () => Object.assign(new Error('special-use address'), { name: 'ForbiddenAddress' })

/** Resolves as the system does, and refuses a name that resolves to a special-use address. */
const publicOnly: LookupFunction = (host, options, done) =>
  dns().lookup(host, { ...options, all: true }, (err, addresses) => {
    if (err) return done(err, '', 0)
    if (addresses.length === 0 || addresses.some((a) => isSpecialUse(a.address)))
      return done(forbidden(), '', 0)
    if (options.all) return done(null, addresses)
    const [first] = addresses
    done(null, first?.address ?? '', first?.family ?? 4)
  })

export interface OutboundOptions {
  method?: string
  headers?: ConstructorParameters<typeof Headers>[0]
  body?: string | URLSearchParams
  signal?: AbortSignal
  /** how names resolve (tests reach a tenant's local domain); the special-use check applies still */
  lookup?: LookupFunction
}

/**
 * A fetch-shaped request to an address someone typed in: never followed past a redirect, checked at
 * the connection (a name that resolves elsewhere later cannot slip through), 2.5 s unless told.
 */
export const outboundFetch = (input: string | URL, init: OutboundOptions = {}): Promise<Response> => {
  const url = new URL(input)
  const guarded = !config().OUTBOUND_ALLOW_SPECIAL_USE
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (guarded && isSpecialUse(host)) return Promise.reject(forbidden())
  const lookup: LookupFunction = init.lookup ?? (guarded ? publicOnly : resolve)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((done, fail) => {
    const req = send(
      url,
      {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init.headers)),
        lookup,
        signal: init.signal ?? AbortSignal.timeout(2500),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', fail)
        res.on('end', () => {
          const headers = new Headers()
          for (const [k, v] of Object.entries(res.headers)) {
            for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one)
          }
          const status = res.statusCode ?? 502
          const body = [204, 304].includes(status) ? null : Buffer.concat(chunks)
          done(new Response(body, { status, headers }))
        })
      },
    )
    req.on('error', fail)
    req.end(init.body === undefined ? undefined : String(init.body))
  })
}
