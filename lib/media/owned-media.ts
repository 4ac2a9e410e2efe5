import { AppError } from '../core/errors.js'
import type { Level } from '../core/levels.js'
import { mediaBaseUrl, mediaPrefix } from './media-url.js'
import { IMAGE_TYPES, MAX_MEDIA_BYTES } from './schemas.js'

const refuse = (field: string, message: string) =>
  new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ path: field, message }])

/**
 * An image address about to be stored (a branding field, a news cover, a portal banner). Addresses
 * elsewhere are kept as given; one of our media objects must be the level's own (its key under the
 * level's prefix: another tenant's image is refused as if it did not exist) and must exist as an
 * allowed image type within the size limit, whatever the store let through. The object is read as
 * browsers read it, with a HEAD of its public address (served media is public): no S3 client, so
 * the functions that store addresses stay small. A refusal is a 400 naming `field`.
 */
export const assertOwnedMedia = async (level: Level, url: string, field: string): Promise<void> => {
  const base = `${mediaBaseUrl()}/`
  if (!url.startsWith(base)) return
  const key = decodeURIComponent(new URL(url).pathname).slice(new URL(base).pathname.length)
  if (!key.startsWith(mediaPrefix(level)) || key.includes('..') || new URL(url).search) {
    throw refuse(field, 'no such uploaded image')
  }
  // the address is ours (it starts with the configured base), so it is fetched as it is
  const head = await fetch(url, { method: 'HEAD', redirect: 'error', signal: AbortSignal.timeout(5000) })
  if (head.status === 404 || head.status === 403)
    throw refuse(field, 'no such uploaded image (upload it first)')
  if (!head.ok) throw new Error(`media store answered ${head.status}`)
  const type = head.headers.get('content-type')?.split(';')[0]?.trim()
  const size = Number(head.headers.get('content-length') ?? 0)
  if (!IMAGE_TYPES.includes(type as (typeof IMAGE_TYPES)[number])) {
    throw refuse(field, `the uploaded file is not a png, jpeg, webp or gif image`)
  }
  if (size < 1 || size > MAX_MEDIA_BYTES) {
    throw refuse(field, `the uploaded image is larger than ${MAX_MEDIA_BYTES} bytes`)
  }
}
