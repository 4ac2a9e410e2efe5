import * as z from 'zod'
import type { AppView } from '../apps/schemas.js'
import { AttributeDefinition } from '../platform/app-schemas.js'

const AttributeValue = z.union([
  z.string().trim().min(1).max(200),
  z.array(z.string().trim().min(1).max(200)).min(1).max(100),
])

/**
 * A member's values of an app's extended attributes, by attribute key, and what of them an app
 * still allows. Apart from the API's schemas (./schemas.ts) and the administrators' writes
 * (./attributes.ts), so the sso function, which reads them, does not build or load those.
 */
export const AttributeValues = z
  .record(AttributeDefinition.shape.key, AttributeValue)
  .refine((v) => Object.keys(v).length <= 50, { message: 'at most 50 attributes' })
export type AttributeValues = z.output<typeof AttributeValues>

/**
 * The stored values the app's definitions still allow: an attribute the app no longer declares,
 * or an option it no longer offers, is left out.
 */
export const valuesFor = (
  definitions: AppView['attributes'],
  stored: { values?: unknown } | undefined,
): AttributeValues => {
  const parsed = AttributeValues.safeParse(stored?.values ?? {})
  if (!parsed.success) return {}
  const out: AttributeValues = {}
  for (const def of definitions) {
    const value = parsed.data[def.key]
    if (value === undefined) continue
    const allowed = (v: string) => def.options === undefined || def.options.includes(v)
    if (typeof value === 'string') {
      if (allowed(value)) out[def.key] = value
    } else {
      const kept = value.filter(allowed)
      if (kept.length > 0) out[def.key] = kept
    }
  }
  return out
}
