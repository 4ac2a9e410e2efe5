import * as z from 'zod'
import { Iso } from '../core/http/schemas.js'

/** Raster images only: an SVG can carry script, and would run it where it is opened directly. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const
export type ImageType = (typeof IMAGE_TYPES)[number]

/** 2 MB: a logo, a login background or a news cover at web resolution fits with room to spare. */
export const MAX_MEDIA_BYTES = 2 * 1024 * 1024

export const MEDIA_PURPOSES = ['branding', 'news-cover', 'portal-banner'] as const
export type MediaPurpose = (typeof MEDIA_PURPOSES)[number]

export const UploadBody = z
  .object({
    purpose: z.enum(MEDIA_PURPOSES),
    contentType: z
      .enum(IMAGE_TYPES)
      .meta({ description: 'png, jpeg, webp or gif (no SVG: it can carry script)' }),
    size: z
      .number()
      .int()
      .min(1)
      .max(MAX_MEDIA_BYTES)
      .meta({ description: `the file's size in bytes, at most ${MAX_MEDIA_BYTES}` }),
  })
  .strict()
  .meta({ id: 'UploadRequest' })
export type UploadRequest = z.infer<typeof UploadBody>

export const UploadSchema = z
  .object({
    /**
     * A browser form post (multipart/form-data) to `upload.url`: every field of `upload.fields`,
     * then the file as field `file`, with exactly the content type asked for, within the size.
     */
    upload: z.object({
      method: z.literal('POST'),
      url: z.string(),
      fields: z.record(z.string(), z.string()),
    }),
    /** where the image is served once uploaded: the value to put in a branding field (or a cover, a banner) */
    url: z.string(),
    key: z.string(),
    maxBytes: z.number().int(),
    expiresAt: Iso,
  })
  .meta({ id: 'Upload' })
export type Upload = z.infer<typeof UploadSchema>
