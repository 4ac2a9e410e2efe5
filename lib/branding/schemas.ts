import * as z from 'zod'
import { WebUrl } from '../core/http/address-schemas.js'
import { TextLine } from '../core/http/text-line.js'

/*
 * What every reader of a branding needs (the sign-in pages too); the administrators' API shapes
 * are in api-schemas.ts, which the sign-in function never builds.
 */

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
export const FIELDS = {
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

export const PartialBranding = z.object(FIELDS).partial()

/** What one level (platform, industry, tenant) sets: the fields it overrides, no others. */
export const BrandingSchema = PartialBranding.meta({ id: 'Branding' })
export type Branding = z.infer<typeof BrandingSchema>
