import * as z from 'zod'
import { PASSWORD_RULE } from '../crypto/passwords.js'
import { ERROR_STATUS } from '../errors.js'

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(
        Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]],
      ),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' })

export const Empty = z.object({}).strict()
export const NoContent = z.undefined()

export const Iso = z.iso.datetime({ offset: true })

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
 * One line of text people read (a title, a name): trimmed, 1 to `max` characters, no control
 * characters (a line break has no place in a title).
 */
export const TextLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'no control characters')

/** Which of the three levels something belongs to (lib/core/levels). */
export const LevelName = z.enum(['platform', 'industry', 'tenant'])

export const Id = z.string().regex(/^[0-9a-z]{10,40}$/, 'not a valid id')

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

/** A code sent to a login identifier to prove it (POST /v1/auth/codes): six digits. */
export const VerificationCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'six digits')

/** A password a person chooses (change, or joining by invitation). */
export const NewPassword = z
  .string()
  .min(PASSWORD_RULE.minLength, PASSWORD_RULE.message)
  .max(PASSWORD_RULE.maxLength, PASSWORD_RULE.message)
  .regex(/[A-Za-z]/, PASSWORD_RULE.message)
  .regex(/\d/, PASSWORD_RULE.message)
