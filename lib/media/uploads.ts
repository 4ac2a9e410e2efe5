import { nowMs } from '../core/clock.js'
import { newId } from '../core/ids.js'
import type { Level } from '../core/levels.js'
import { mediaBaseUrl, mediaPrefix } from './media-url.js'
import { presignPost } from './presign.js'
import { recordS3 } from './s3-target.js'
import type { IMAGE_TYPES, Upload, UploadRequest } from './schemas.js'

const UPLOAD_SECONDS = 300

const EXTENSIONS: Record<(typeof IMAGE_TYPES)[number], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
}

/**
 * A presigned browser upload of one image for a level: a POST whose policy allows exactly this
 * key, this content type and 1 byte to the size announced (at most MAX_MEDIA_BYTES), for five
 * minutes. The stand-in used locally ignores the policy; assertOwnedMedia checks again on use.
 */
export const createUpload = async (level: Level, req: UploadRequest): Promise<Upload> => {
  const key = `${mediaPrefix(level)}${req.purpose}/${newId()}.${EXTENSIONS[req.contentType]}`
  recordS3('s3:PutObject', key)
  const { url, fields } = await presignPost({
    key,
    conditions: [
      ['content-length-range', 1, req.size],
      ['eq', '$Content-Type', req.contentType],
    ],
    fields: { 'Content-Type': req.contentType },
    seconds: UPLOAD_SECONDS,
  })
  return {
    upload: { method: 'POST', url, fields },
    url: `${mediaBaseUrl()}/${key}`,
    key,
    maxBytes: req.size,
    expiresAt: new Date(nowMs() + UPLOAD_SECONDS * 1000).toISOString(),
  }
}
