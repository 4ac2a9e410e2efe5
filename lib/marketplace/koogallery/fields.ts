import * as z from 'zod'
import { parseCompactTime } from './protocol.js'

/** Fields both versions of the interface carry, read the same way. */

/** `yyyyMMddHHmmss` (or with milliseconds), UTC, to ISO. */
export const compactTime = z
  .string()
  .refine((v) => parseCompactTime(v) !== undefined, 'must be yyyyMMddHHmmss (UTC)')
  .transform((v) => new Date(parseCompactTime(v) as number).toISOString())

export const id = z.string().trim().min(1).max(128)

/** One instance id or up to 100, comma-separated. */
export const instanceIds = z
  .string()
  .min(1)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(id).min(1).max(100))

/** AWS customers are `aws:<id>` here: a KooGallery id cannot name one. */
export const customerId = id.refine((v) => !v.startsWith('aws:'), 'not a KooGallery customer id')
