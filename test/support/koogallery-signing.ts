import { createDecipheriv, createHash, createHmac } from 'node:crypto'
import { nowMs } from '../../lib/core/clock.js'

/**
 * The marketplace's side of the protocol, written here independently of lib/marketplace so the
 * tests check our implementation against the documented algorithms, not against itself.
 */
// the marketplace's clock agrees with ours (tests may move ours)
export const stamp = (ms = nowMs()) => new Date(ms).toISOString().replace(/[-:TZ.]/g, '')

export const sign = (key: string, params: Record<string, string>) => {
  const message = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')
  return createHmac('sha256', key + params.timeStamp)
    .update(message)
    .digest('base64')
}

export const decryptField = (key: string, value: string) => {
  const aesKey = createHash('sha1').update(createHash('sha1').update(key).digest()).digest().subarray(0, 16)
  const decipher = createDecipheriv('aes-128-cbc', aesKey, Buffer.from(value.slice(0, 16)))
  return Buffer.concat([decipher.update(Buffer.from(value.slice(16), 'base64')), decipher.final()]).toString(
    'utf8',
  )
}

export const expectedBodySign = (key: string, body: string) =>
  `sign_type="HMAC-SHA256", signature="${createHmac('sha256', key).update(body).digest('base64')}"`

/** V2: `hex(HMAC(key, key + nonce + timestamp + hex(HMAC(key, body))))`, upper case as the marketplace sends it. */
export const signV2 = (key: string, nonce: string, timestamp: string, body: string) => {
  const inner = createHmac('sha256', key).update(body).digest('hex')
  return createHmac('sha256', key)
    .update(key + nonce + timestamp + inner)
    .digest('hex')
    .toUpperCase()
}

/** The marketplace's body: compact JSON, keys in ascending order. */
export const bodyV2 = (fields: Record<string, unknown>) =>
  JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))))
