import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * The KooGallery SaaS production interface V2.0 (POST, JSON body): the request signature over
 * accessKey, nonce, timestamp and the body (docs/marketplace-koogallery-v2.md has the worked example).
 */

const hmacHex = (key: string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest('hex')

/** `hex(HMAC(key, key + nonce + timestamp + hex(HMAC(key, body))))`, upper case as the marketplace sends it. */
export const signatureV2 = (key: string, nonce: string, timestamp: string, body: string): string =>
  hmacHex(key, key + nonce + timestamp + hmacHex(key, body)).toUpperCase()

const sameHex = (a: string, b: string) => {
  const x = Buffer.from(a.toLowerCase(), 'utf8')
  const y = Buffer.from(b.toLowerCase(), 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const sorted = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(sorted)
  if (value === null || typeof value !== 'object') return value
  const out: { [k: string]: Json } = {}
  for (const k of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const v = value[k] as Json
    // the marketplace's own serialiser leaves null-valued keys out
    if (v !== null) out[k] = sorted(v)
  }
  return out
}

/** The form the marketplace signs: compact JSON, keys in code-unit order, null-valued keys dropped. */
export const canonicalBody = (body: string): string | undefined => {
  try {
    return JSON.stringify(sorted(JSON.parse(body) as Json))
  } catch {
    return undefined
  }
}

/**
 * Compared ignoring hex case. The body as received is what the marketplace signed; a client whose
 * serialiser re-orders keys signed the canonical form: tried once, and only if it differs.
 */
export const verifySignatureV2 = (
  key: string,
  presented: string,
  nonce: string,
  timestamp: string,
  body: string,
): boolean => {
  if (sameHex(presented, signatureV2(key, nonce, timestamp, body))) return true
  const canonical = canonicalBody(body)
  return (
    canonical !== undefined &&
    canonical !== body &&
    sameHex(presented, signatureV2(key, nonce, timestamp, canonical))
  )
}

/** The freshness rule: a 13-digit millisecond timestamp within `windowMs` of our clock, either side. */
export const freshTimestamp = (timestamp: string, nowMs: number, windowMs: number): boolean =>
  /^\d{13}$/.test(timestamp) && Math.abs(nowMs - Number(timestamp)) <= windowMs

export const NONCE = /^[A-Za-z0-9_-]{1,64}$/
