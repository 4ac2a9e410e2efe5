import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { nowMs as clockNow } from '../core/clock.js'
import { type KitVersion, V1_FIELDS } from './kit-bodies.js'
import { canonicalBody, type JsonValue, KitWireError, wireFields } from './kit-json.js'

/**
 * Request signatures of the two sync dialects (protocol doc C.6), and their checks for a stand-in
 * provider. Sign at every attempt: a retry needs a fresh nonce and timestamp (and, in v1, a body
 * rebuilt with a fresh timeStamp, which is part of the key). Send `payload` as the body, byte for
 * byte (UTF-8, content type application/json): the signature covers exactly those bytes.
 */

export interface SignedKitRequest<H> {
  payload: string
  headers: H
}

export type V2Headers = { 'x-sign': string; 'x-timestamp': string; 'x-nonce': string }
export type V1Headers = { authToken: string }

/** What a stand-in provider concludes of a request. */
export type RequestVerdict = 'valid' | 'absent' | 'stale' | 'invalid'

const hmac = (key: string) => createHmac('sha256', Buffer.from(key, 'utf8'))

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A header by name whatever its case (node lower-cases them; the docs write authToken). */
const header = (headers: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === wanted && typeof value === 'string') return value
  return undefined
}

const parseObject = (payload: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(payload)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

// --- v2: x-sign, x-timestamp, x-nonce -------------------------------------------------------------

/** Hex(HMAC-SHA256(key = accessKey, msg = accessKey + nonce + timestamp + P)), upper case. */
export const v2Sign = (accessKey: string, nonce: string, timestamp: string, payload: string): string =>
  hmac(accessKey)
    .update(accessKey + nonce + timestamp + payload, 'utf8')
    .digest('hex')
    .toUpperCase()

export interface SignV2Options {
  /** default: 64 upper-case hex characters from 32 random bytes, as the docs show */
  nonce?: string
  /** default: now; sent as epoch milliseconds in x-timestamp */
  nowMs?: number
}

export const signV2 = (
  accessKey: string,
  body: Record<string, unknown>,
  options: SignV2Options = {},
): SignedKitRequest<V2Headers> => {
  if (!accessKey) throw new KitWireError('no access key to sign with')
  const nonce = options.nonce ?? randomBytes(32).toString('hex').toUpperCase()
  if (!/^[\x21-\x7e]+$/.test(nonce))
    throw new KitWireError('a nonce is printable ASCII without spaces', 'x-nonce')
  const timestamp = String(Math.trunc(options.nowMs ?? clockNow()))
  const payload = canonicalBody(body)
  return {
    payload,
    headers: {
      'x-sign': v2Sign(accessKey, nonce, timestamp, payload),
      'x-timestamp': timestamp,
      'x-nonce': nonce,
    },
  }
}

/**
 * The provider's check of a v2 request, as Huawei's provider sample does it: the body parsed and
 * re-serialised the canonical way (so the signature holds over what the provider's map holds, not
 * over our bytes), the hex compared without regard to case, the timestamp within `windowMs` of now
 * (either side: the sample only refuses old ones, a stand-in may as well catch a skewed clock).
 */
export const verifyV2 = (
  accessKey: string,
  payload: string,
  headers: Record<string, string | string[] | undefined>,
  nowMs: number,
  windowMs = 60_000,
): RequestVerdict => {
  const sign = header(headers, 'x-sign')
  const timestamp = header(headers, 'x-timestamp')
  const nonce = header(headers, 'x-nonce')
  if (!sign || !timestamp || !nonce) return 'absent'
  if (!/^\d{1,16}$/.test(timestamp)) return 'invalid'
  const body = parseObject(payload)
  if (!body) return 'invalid'
  // Re-serialised as the receiver's Jackson would: top-level nulls dropped, keys sorted, no cleaning.
  const fields = Object.entries(body)
    .filter(([, v]) => v !== null)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const expected = v2Sign(accessKey, nonce, timestamp, JSON.stringify(Object.fromEntries(fields)))
  if (!sameText(expected, sign.toUpperCase())) return 'invalid'
  return Math.abs(nowMs - Number(timestamp)) > windowMs ? 'stale' : 'valid'
}

// --- v1: authToken --------------------------------------------------------------------------------

// Java's Character.isWhitespace, which StringUtils.isBlank uses: not the no-break spaces.
// biome-ignore lint/suspicious/noControlCharactersInRegex: Java counts these controls as whitespace
const BLANK = /^[\t\n\u000B\f\r\u001C-\u001F \u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]*$/

/**
 * The string v1 signs: `k1=v1&k2=v2…` over every field, keys sorted, blank values skipped,
 * numbers in decimal, the JSON-string fields (userList, orgInfo) as the strings they are.
 */
export const v1Message = (fields: [string, JsonValue][]): string =>
  fields
    .flatMap(([key, value]) => {
      if (typeof value === 'object' && value !== null) throw new KitWireError('a v1 body is flat', key)
      const text = value === null ? '' : String(value)
      return BLANK.test(text) ? [] : [`${key}=${text}`]
    })
    .join('&')

/** Base64(HMAC-SHA256(key = accessKey + the body's timeStamp, msg)). */
export const v1AuthToken = (accessKey: string, timeStamp: string, message: string): string =>
  hmac(accessKey + timeStamp)
    .update(message, 'utf8')
    .digest('base64')

const isV1Body = (keys: string[]) =>
  Object.values(V1_FIELDS).some(
    (fields) => fields.length === keys.length && fields.every((f) => keys.includes(f)),
  )

export const signV1 = (accessKey: string, body: Record<string, unknown>): SignedKitRequest<V1Headers> => {
  if (!accessKey) throw new KitWireError('no access key to sign with')
  const fields = wireFields(body)
  const keys = fields.map(([k]) => k)
  if (!isV1Body(keys))
    throw new KitWireError(`fields ${keys.join(', ')} are no v1 body: the verifier signs only its own`)
  const timeStamp = body.timeStamp
  if (typeof timeStamp !== 'string' || timeStamp === '') throw new KitWireError('is required', 'timeStamp')
  return {
    payload: JSON.stringify(Object.fromEntries(fields)),
    headers: { authToken: v1AuthToken(accessKey, timeStamp, v1Message(fields)) },
  }
}

/** The provider's check of a v1 request: the message rebuilt from the fields it received. */
export const verifyV1 = (
  accessKey: string,
  payload: string,
  headers: Record<string, string | string[] | undefined>,
): RequestVerdict => {
  const token = header(headers, 'authToken')
  if (!token) return 'absent'
  const body = parseObject(payload)
  if (!body || typeof body.timeStamp !== 'string') return 'invalid'
  const fields = Object.entries(body)
    .filter(([, v]) => v !== null)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) as [string, JsonValue][]
  if (fields.some(([, v]) => typeof v === 'object')) return 'invalid'
  return sameText(v1AuthToken(accessKey, body.timeStamp, v1Message(fields)), token) ? 'valid' : 'invalid'
}

// --- either ---------------------------------------------------------------------------------------

/** Signs a body in the provider's dialect; the headers to add to a JSON POST. */
export const signKit = (
  version: KitVersion,
  accessKey: string,
  body: Record<string, unknown>,
  options: SignV2Options = {},
): SignedKitRequest<Record<string, string>> =>
  version === 'v1' ? signV1(accessKey, body) : signV2(accessKey, body, options)
