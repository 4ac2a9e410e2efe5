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

/** Which of the three levels something belongs to (lib/core/levels). */
export const LevelName = z.enum(['platform', 'industry', 'tenant'])

export const Id = z.string().regex(/^[0-9a-z]{10,40}$/, 'not a valid id')

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
