import * as z from 'zod'

/*
 * Addresses: where a link points, and the e-mail address or mobile number a person signs in with.
 * Apart from the API's other shared shapes (schemas.ts), which a sign-in never builds.
 */

const isLocalhost = (u: URL) => u.hostname === 'localhost' || u.hostname === '127.0.0.1'

/** A trimmed URL of at most 2,000 characters that parses and that `accept` takes. */
const urlWhere = (accept: (u: URL) => boolean, message: string) =>
  z
    .string()
    .trim()
    .max(2000)
    .refine((v) => {
      try {
        return accept(new URL(v))
      } catch {
        return false
      }
    }, message)

/**
 * An address we link to or show (an app's URLs, a branding image): absolute https (http only for
 * localhost), without credentials or a fragment, at most 2,000 characters.
 */
export const WebUrl = urlWhere(
  (u) => (u.protocol === 'https:' || (u.protocol === 'http:' && isLocalhost(u))) && !u.username && !u.hash,
  'an absolute https URL (http only for localhost), without credentials or #fragment',
)

/** A link a member follows (a portal's menu, its links): http or https only, no scheme a browser would run. */
export const LinkUrl = urlWhere(
  (u) => (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password,
  'an absolute http(s) URL without credentials',
)

/**
 * A mobile number's shape: a '+', digits and separators. Whether it is a valid mobile number
 * depends on the region its national form is read in, so the use cases check that.
 */
export const Mobile = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ().-]{6,30}$/, 'must be a mobile number')

/** A login identifier: an e-mail address or a mobile number. */
export const Identifier = z
  .string()
  .trim()
  .min(3)
  .max(254)
  .refine((v) => z.email().safeParse(v).success || Mobile.safeParse(v).success, {
    message: 'must be an e-mail address or a mobile number',
  })
