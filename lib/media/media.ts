import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { nowMs } from '../core/clock.js'
import { config } from '../core/config.js'
import { AppError } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { Level } from '../core/levels.js'
import { mediaBaseUrl, recordS3, s3 } from './s3.js'
import { IMAGE_TYPES, MAX_MEDIA_BYTES, type Upload, type UploadRequest } from './schemas.js'

/** Every uploaded object is under this prefix, the one the bucket serves to browsers. */
const SERVED = 'media'
const UPLOAD_SECONDS = 300

const EXTENSIONS: Record<(typeof IMAGE_TYPES)[number], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
}

/** The owner's key prefix, so an object's key says whose it is: `media/p/`, `media/i/<industry>/`, `media/t/<tenantId>/`. */
export const mediaPrefix = (l: Level): string =>
  `${SERVED}/${l.level === 'platform' ? 'p' : l.level === 'industry' ? `i/${l.industry}` : `t/${l.tenantId}`}/`

/**
 * A presigned browser upload of one image for a level: a POST whose policy allows exactly this
 * key, this content type and 1 byte to the size announced (at most MAX_MEDIA_BYTES), for five
 * minutes. The stand-in used locally ignores the policy; assertOwnedMedia checks again on use.
 */
export const createUpload = async (level: Level, req: UploadRequest): Promise<Upload> => {
  const key = `${mediaPrefix(level)}${req.purpose}/${newId()}.${EXTENSIONS[req.contentType]}`
  recordS3('s3:PutObject', key)
  const { url, fields } = await createPresignedPost(s3(), {
    Bucket: config().MEDIA_BUCKET,
    Key: key,
    Conditions: [
      ['content-length-range', 1, req.size],
      ['eq', '$Content-Type', req.contentType],
    ],
    Fields: { 'Content-Type': req.contentType },
    Expires: UPLOAD_SECONDS,
  })
  return {
    upload: { method: 'POST', url, fields },
    url: `${mediaBaseUrl()}/${key}`,
    key,
    maxBytes: req.size,
    expiresAt: new Date(nowMs() + UPLOAD_SECONDS * 1000).toISOString(),
  }
}

const refuse = (field: string, message: string) =>
  new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ path: field, message }])

/**
 * An image address about to be stored (a branding field, later a news cover or a portal banner).
 * Addresses elsewhere are kept as given; one of our media objects must be the level's own (its key
 * under the level's prefix: another tenant's image is refused as if it did not exist) and must
 * exist as an allowed image type within the size limit (HeadObject), whatever the store let
 * through. A refusal is a 400 naming `field`.
 */
export const assertOwnedMedia = async (level: Level, url: string, field: string): Promise<void> => {
  const base = `${mediaBaseUrl()}/`
  if (!url.startsWith(base)) return
  const key = decodeURIComponent(new URL(url).pathname).slice(new URL(base).pathname.length)
  if (!key.startsWith(mediaPrefix(level)) || key.includes('..') || new URL(url).search) {
    throw refuse(field, 'no such uploaded image')
  }
  recordS3('s3:GetObject', key)
  let head: { ContentType?: string; ContentLength?: number }
  try {
    head = await s3().send(new HeadObjectCommand({ Bucket: config().MEDIA_BUCKET, Key: key }))
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    if (status === 404 || status === 403) throw refuse(field, 'no such uploaded image (upload it first)')
    throw err
  }
  if (!IMAGE_TYPES.includes(head.ContentType as (typeof IMAGE_TYPES)[number])) {
    throw refuse(field, `the uploaded file is not a png, jpeg, webp or gif image`)
  }
  if ((head.ContentLength ?? 0) < 1 || (head.ContentLength ?? 0) > MAX_MEDIA_BYTES) {
    throw refuse(field, `the uploaded image is larger than ${MAX_MEDIA_BYTES} bytes`)
  }
}
