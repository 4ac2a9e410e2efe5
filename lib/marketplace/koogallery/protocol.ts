import { createCipheriv, createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto'

/**
 * The KooGallery SaaS production interface (V1, query parameters), as the marketplace documents it:
 * request authentication, response signing and the encryption of the credentials it relays.
 */

/** The string signed for authToken: every parameter but authToken, decoded, sorted by name (code units). */
export const canonicalQuery = (params: Record<string, string>): string =>
  Object.keys(params)
    .filter((k) => k !== 'authToken')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${params[k]}`)
    .join('&')

export const authToken = (key: string, params: Record<string, string>): string =>
  createHmac('sha256', key + (params.timeStamp ?? ''))
    .update(canonicalQuery(params), 'utf8')
    .digest('base64')

export const verifyAuthToken = (key: string, params: Record<string, string>): boolean => {
  const presented = Buffer.from(params.authToken ?? '', 'utf8')
  const expected = Buffer.from(authToken(key, params), 'utf8')
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}

/** `yyyyMMddHHmmssSSS` (timeStamp) or `yyyyMMddHHmmss` (expireTime), UTC, to epoch ms. */
export const parseCompactTime = (value: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(value)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, ms] = m
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms ?? 0))
  const back = new Date(t)
  // Refuse dates that roll over (e.g. 20261331…).
  if (back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d)) return undefined
  return t
}

export const formatCompactTime = (ms: number, withMillis: boolean): string => {
  const iso = new Date(ms).toISOString() // 2026-11-24T20:53:00.123Z
  const digits = iso.replace(/[-:TZ.]/g, '')
  return withMillis ? digits : digits.slice(0, 14)
}

/** The exact header value for a response body: `sign_type="HMAC-SHA256", signature="…"`. */
export const bodySignHeader = (key: string, body: string): string =>
  `sign_type="HMAC-SHA256", signature="${createHmac('sha256', key).update(body, 'utf8').digest('base64')}"`

/** The AES-128 key the marketplace derives from the merchant key: SHA1(SHA1(key))[0..16]. */
export const appInfoKey = (key: string): Buffer => {
  const once = createHash('sha1').update(key, 'utf8').digest()
  return createHash('sha1').update(once).digest().subarray(0, 16)
}

const IV_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** encryptType "2": 16 random alphanumeric IV characters, then base64(AES-128-CBC-PKCS5(text)). */
export const encryptAppInfoField = (key: string, plaintext: string): string => {
  let iv = ''
  for (let i = 0; i < 16; i++) iv += IV_CHARS[randomInt(IV_CHARS.length)]
  const cipher = createCipheriv('aes-128-cbc', appInfoKey(key), Buffer.from(iv, 'utf8'))
  return iv + Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64')
}

export const RESULT = {
  success: '000000',
  authFailed: '000001',
  invalidParameter: '000002',
  instanceNotFound: '000003',
  inProgress: '000004',
  otherError: '000005',
  cannotBuyAgain: '000103',
} as const
