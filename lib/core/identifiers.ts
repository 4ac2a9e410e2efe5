import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/mobile'
import * as z from 'zod'
import { ConfigError, config } from './config.js'
import { AppError } from './errors.js'

/**
 * Where a national number ("139 1234 5678") is read: an ISO 3166 alpha-2 region with a numbering
 * plan. Numbers written internationally ("+1 415…") are read as they say, whatever the region.
 */
export type PhoneRegion = CountryCode

const REGION_MESSAGE = 'an ISO 3166 alpha-2 region with a phone numbering plan, such as CN or US'

export const PhoneRegionSchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isSupportedCountry, REGION_MESSAGE)
  .transform((r) => r as PhoneRegion)

/** The platform's region: login identifiers are platform-wide, so they are read in it. */
export const platformPhoneRegion = (): PhoneRegion => {
  const region = config().DEFAULT_PHONE_REGION
  if (!isSupportedCountry(region)) throw new ConfigError(`DEFAULT_PHONE_REGION: ${REGION_MESSAGE}`)
  return region
}

/**
 * The one stored form of a mobile number, E.164 ("+8613912345678"), or undefined when the value
 * is not a valid mobile number (the mobile-only metadata knows no other kind of number).
 */
const toE164 = (value: string, region: PhoneRegion) => {
  const parsed = parsePhoneNumberFromString(value, { defaultCountry: region, extract: false })
  return parsed?.isValid() ? parsed.number : undefined
}

/** A mobile number as stored, or a 400 naming the field when it is not a valid mobile number. */
export const mobileNumber = (value: string, region: PhoneRegion, field: string): string => {
  const e164 = toE164(value, region)
  if (e164) return e164
  const message = `not a valid mobile number (national numbers are read as ${region})`
  throw new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ path: field, message }])
}

export const identifierKind = (value: string): 'email' | 'mobile' =>
  value.includes('@') ? 'email' : 'mobile'

/**
 * A login identifier or contact in its normal form, for blind indexes: e-mails lower-cased,
 * mobile numbers in E.164 (national ones read in `region`). A value that is no valid mobile number
 * (a mistyped login, a search) is reduced to '+' and digits, which nothing stored matches.
 */
export const normaliseIdentifier = (
  value: string,
  region: PhoneRegion,
): { kind: 'email' | 'mobile'; value: string } => {
  const trimmed = value.trim()
  if (identifierKind(trimmed) === 'email') return { kind: 'email', value: trimmed.toLowerCase() }
  return {
    kind: 'mobile',
    value: toE164(trimmed, region) ?? (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, ''),
  }
}
