import * as z from 'zod'
import { BRANDING_FIELDS, type BrandingField, BrandingSchema, FIELDS, PartialBranding } from './schemas.js'

const clearable = <S extends z.ZodType>(schema: S) => schema.nullable().optional()

/**
 * A write to one level's branding. A field given sets it; `null` clears it, so the level inherits
 * it again. PUT: the level's whole branding (a field absent is cleared too); PATCH: only the fields
 * named change. Unknown fields are refused (a misspelt one would otherwise be lost in silence).
 */
export const BrandingBody = z
  .object({
    siteLogo: clearable(FIELDS.siteLogo),
    siteName: clearable(FIELDS.siteName),
    platformLogo: clearable(FIELDS.platformLogo),
    platformName: clearable(FIELDS.platformName),
    loginTitle: clearable(FIELDS.loginTitle),
    background: clearable(FIELDS.background),
    footerImage: clearable(FIELDS.footerImage),
  })
  .strict()
  .meta({ id: 'BrandingInput' })
export type BrandingInput = z.infer<typeof BrandingBody>

/** Where an effective field comes from: the most specific level that sets it, else the default. */
export const BrandingSource = z.enum(['tenant', 'industry', 'platform', 'default'])
export type BrandingSource = z.infer<typeof BrandingSource>

/**
 * The branding a sign-in page shows: each field from the most specific level that sets it
 * (tenant, then industry, then platform), else the default. `platformName` and `loginTitle` always
 * have one; `siteName` too for a tenant (its name); images have none.
 */
export const EffectiveBrandingSchema = PartialBranding.extend({
  platformName: FIELDS.platformName,
  loginTitle: FIELDS.loginTitle,
}).meta({ id: 'EffectiveBranding' })
export type EffectiveBranding = z.infer<typeof EffectiveBrandingSchema>

/** One level's branding as its administrator sees it: what it sets, and what results. */
export const BrandingViewSchema = z
  .object({
    level: z.enum(['platform', 'industry', 'tenant']),
    /** the fields this level sets (the others it inherits) */
    overrides: BrandingSchema,
    /** what a sign-in page of this level shows: its overrides over what it inherits */
    effective: EffectiveBrandingSchema,
    /** where each effective field comes from */
    sources: z.object(
      Object.fromEntries(BRANDING_FIELDS.map((f) => [f, BrandingSource.optional()])) as Record<
        BrandingField,
        z.ZodOptional<typeof BrandingSource>
      >,
    ),
  })
  .meta({ id: 'BrandingView' })
export type BrandingView = z.infer<typeof BrandingViewSchema>
