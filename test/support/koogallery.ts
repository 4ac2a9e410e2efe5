import { createDecipheriv, createHash, createHmac } from 'node:crypto'
import { handler } from '../../functions/marketplace/handler.js'
import { nowMs } from '../../lib/core/clock.js'
import { call } from './lambda.js'

/**
 * The marketplace's side of the protocol, written here independently of lib/marketplace so the
 * tests check our implementation against the documented algorithms, not against itself.
 */
/** The marketplace's clock agrees with ours (tests may move ours). */
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

export const kooGallery = async (
  params: Record<string, string>,
  options: { key?: string; timeStamp?: string; tamper?: (p: Record<string, string>) => void } = {},
) => {
  const key = options.key ?? (process.env.KOOGALLERY_KEY as string)
  const withStamp = { ...params, timeStamp: options.timeStamp ?? stamp() }
  const query = { ...withStamp, authToken: sign(key, withStamp) }
  options.tamper?.(query)
  const res = await call(handler, 'GET', '/v1/marketplace/koogallery', { query })
  return { ...res, rawBody: JSON.stringify(res.body) }
}
