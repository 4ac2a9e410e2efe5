import * as z from 'zod'
import { AttributeDefinition } from '../platform/app-schemas.js'

const AttributeValue = z.union([
  z.string().trim().min(1).max(200),
  z.array(z.string().trim().min(1).max(200)).min(1).max(100),
])

/**
 * A member's values of an app's extended attributes, by attribute key. Apart from the API's
 * schemas (./schemas.ts), so the sso function, which reads them, does not build those.
 */
export const AttributeValues = z
  .record(AttributeDefinition.shape.key, AttributeValue)
  .refine((v) => Object.keys(v).length <= 50, { message: 'at most 50 attributes' })
export type AttributeValues = z.output<typeof AttributeValues>
