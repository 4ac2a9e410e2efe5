import { createHash, createHmac } from 'node:crypto'
import { uriEncode } from '../../core/text.js'

/**
 * Huawei Cloud API Gateway's AK/SK signature (`SDK-HMAC-SHA256`), which KooGallery's open API
 * requires: a canonical request (method, path ending in `/`, sorted and encoded query, the signed
 * headers, the body's SHA-256), hashed into a string to sign with the `X-Sdk-Date`, HMAC'd with SK.
 */

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex')

export interface ApigRequest {
  method: string
  url: URL
  headers: Record<string, string>
  body: string
}

export const canonicalRequest = (r: ApigRequest, signedHeaders: string[]): string => {
  const path = r.url.pathname
    .split('/')
    .map((s) => uriEncode(decodeURIComponent(s)))
    .join('/')
  const query = [...r.url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const lower = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v.trim()]))
  return [
    r.method.toUpperCase(),
    path.endsWith('/') ? path : `${path}/`,
    query,
    signedHeaders.map((h) => `${h}:${lower[h] ?? ''}\n`).join(''),
    signedHeaders.join(';'),
    sha256Hex(r.body),
  ].join('\n')
}

/** The request's `Authorization` header; `headers` must hold `X-Sdk-Date` and `Host`. */
export const apigAuthorization = (ak: string, sk: string, r: ApigRequest): string => {
  const signedHeaders = Object.keys(r.headers)
    .map((h) => h.toLowerCase())
    .sort()
  const date = Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'x-sdk-date')?.[1] ?? ''
  const toSign = ['SDK-HMAC-SHA256', date, sha256Hex(canonicalRequest(r, signedHeaders))].join('\n')
  const signature = createHmac('sha256', sk).update(toSign, 'utf8').digest('hex')
  return `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`
}

/** Reads an Authorization header back (the local stand-in of the open API checks it). */
export const parseApigAuthorization = (
  header: string,
): { ak: string; signedHeaders: string[]; signature: string } | undefined => {
  const m = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(header)
  if (!m) return undefined
  return { ak: m[1] as string, signedHeaders: (m[2] as string).split(';'), signature: m[3] as string }
}
