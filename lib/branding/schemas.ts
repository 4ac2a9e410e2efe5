import * as z from 'zod'
import { TextLine, WebUrl } from '../core/http/schemas.js'

/** A name shown on the sign-in page (site name, platform name, the form's title). */
const DisplayName = TextLine(100)

/**
 * An image shown on the sign-in page: an absolute https URL (http only for localhost). Kept as a
 * URL string whatever stores the image (an upload will store one too).
 */
const ImageUrl = WebUrl

const image = (description: string) =>
  ImageUrl.meta({ description: `${description}: an absolute https URL (http only for localhost)` })
const name = (description: string) => DisplayName.meta({ description })

/** The fields of a sign-in page's branding, in the product's words; every one may be left to inherit. */
const FIELDS = {
  siteLogo: image('the icon beside the site name, at the top of the page'),
  siteName: name("the name at the top of the page (default: the tenant's name)"),
  platformLogo: image("the platform's logo, in the footer"),
  platformName: name("the platform's name, in the footer (default: Atrium)"),
  loginTitle: name("the sign-in form's heading (default: Sign in)"),
  background: image('a full-page image behind the form'),
  footerImage: image('an image at the bottom of the page'),
}

export type BrandingField = keyof typeof FIELDS
export const BRANDING_FIELDS = Object.keys(FIELDS) as BrandingField[]
/** The fields holding an image's address (an upload's URL is checked before it is stored). */
export const BRANDING_IMAGE_FIELDS = ['siteLogo', 'platformLogo', 'background', 'footerImage'] as const

const PartialBranding = z.object(FIELDS).partial()

/** What one level (platform, industry, tenant) sets: the fields it overrides, no others. */
export const BrandingSchema = PartialBranding.meta({ id: 'Branding' })
export type Branding = z.infer<typeof BrandingSchema>

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
