import * as z from 'zod'
import { AppError } from '../errors.js'

/** List query parameters shared by every paginated route. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
})

export const page = <T extends z.ZodType>(itemSchema: T) =>
  z.object({ items: z.array(itemSchema), nextCursor: z.string().optional() })

type Key = Record<string, string>

/** An opaque cursor: the last evaluated key, base64url JSON. */
export const encodeCursor = (key: Record<string, unknown> | undefined): string | undefined =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined

/**
 * Decodes a cursor and checks it belongs to the partition being listed, so a cursor forged
 * or carried over from another list (another tenant's) cannot start a query elsewhere.
 */
export const decodeCursor = (cursor: string | undefined, expected: Key): Key | undefined => {
  if (cursor === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const key = z.record(z.string(), z.string()).safeParse(parsed)
  if (!key.success || Object.entries(expected).some(([k, v]) => key.data[k] !== v)) throw invalidCursor()
  return key.data
}

export const invalidCursor = () =>
  new AppError('VALIDATION_FAILED', 'invalid cursor', [{ path: 'query.cursor', message: 'invalid cursor' }])
