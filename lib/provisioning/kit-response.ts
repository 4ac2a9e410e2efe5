import { createHmac, timingSafeEqual } from 'node:crypto'
import { wireText } from './kit-json.js'

/**
 * A provider's answer to a sync call (protocol doc C.8) and the v1 response signature (C.6,
 * Body-Sign). The queue keeps `message` as the step's last error, shown to the admin.
 */

/** Result codes of the dialects; any code but success is a failure. */
export const KIT_RESULT = {
  success: '000000',
  authFailed: '000001',
  invalidParameter: '000002',
  instanceNotFound: '000003',
  inProgress: '000004',
  otherError: '000005',
  /** from the provider sample: the client secret did not decrypt (try another OAEP profile) */
  clientSecretFailed: '000101',
} as const

export interface KitResponse {
  /** HTTP 200 and resultCode 000000, nothing else */
  ok: boolean
  /** the provider's resultCode, when it sent one */
  code?: string
  /** the provider's resultMsg, or what was wrong with the answer */
  message: string
}

/** A provider's text, shortened and cleaned, fit for a log line or an admin's screen. */
const MAX_MESSAGE = 300
const shown = (text: string) => {
  const clean = wireText(text).replace(/\s+/g, ' ').trim()
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean
}

export const parseKitResponse = (httpStatus: number, text: string): KitResponse => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch {
    const what = text.trim() === '' ? 'an empty body' : `not JSON: ${shown(text)}`
    return { ok: false, message: `HTTP ${httpStatus} with ${what}` }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, message: `HTTP ${httpStatus} with JSON that is not an object: ${shown(text)}` }
  // The documentation's own sample writes `" resultCode"`: keys are compared trimmed.
  const fields = new Map(Object.entries(parsed).map(([k, v]) => [k.trim(), v]))
  const rawCode = fields.get('resultCode')
  const rawMessage = fields.get('resultMsg')
  const code = typeof rawCode === 'string' ? rawCode.trim() : undefined
  const providerMessage = typeof rawMessage === 'string' ? shown(rawMessage) : ''
  const ok = httpStatus === 200 && code === KIT_RESULT.success
  if (ok) return { ok, code, message: providerMessage }
  const reasons = [
    httpStatus === 200 ? undefined : `HTTP ${httpStatus}`,
    code === undefined ? 'no resultCode' : `resultCode ${shown(code)}`,
    providerMessage || undefined,
  ].filter((r) => r !== undefined)
  return { ok, ...(code === undefined ? {} : { code }), message: reasons.join(': ') }
}

// --- Body-Sign (v1 responses) -------------------------------------------------------------------

const bodySignature = (accessKey: string, rawBody: string | Uint8Array) =>
  createHmac('sha256', Buffer.from(accessKey, 'utf8'))
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('base64')

/**
 * The Body-Sign header a v1 provider puts on its answer: HMAC-SHA256 keyed by the bare access key
 * (no timeStamp, unlike the request) over the raw response bytes. For the stand-in provider.
 */
export const bodySign = (accessKey: string, rawBody: string | Uint8Array): string =>
  `sign_type="HMAC-SHA256", signature="${bodySignature(accessKey, rawBody)}"`

/**
 * Our check of a v1 answer's Body-Sign, over the bytes as received (decode nothing first).
 * 'absent' is for the caller to log, not to fail on: v2 answers carry none, some v1 ones neither.
 */
export const checkBodySign = (
  accessKey: string,
  rawBody: string | Uint8Array,
  headerValue: string | undefined,
): 'valid' | 'invalid' | 'absent' => {
  if (headerValue === undefined || headerValue.trim() === '') return 'absent'
  const params = new Map<string, string>()
  for (const m of headerValue.matchAll(/([A-Za-z_]+)\s*=\s*"([^"]*)"/g))
    params.set(m[1]!.toLowerCase(), m[2]!)
  const type = params.get('sign_type')
  const signature = params.get('signature')
  if (signature === undefined || (type !== undefined && type.toUpperCase() !== 'HMAC-SHA256'))
    return 'invalid'
  const expected = Buffer.from(bodySignature(accessKey, rawBody), 'utf8')
  const given = Buffer.from(signature, 'utf8')
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'valid' : 'invalid'
}
