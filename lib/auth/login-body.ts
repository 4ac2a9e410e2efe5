import * as z from 'zod'
import { PASSWORD_RULE } from '../core/crypto/passwords.js'
import { Identifier } from '../core/http/address-schemas.js'

export const Password = z.string().min(1).max(PASSWORD_RULE.maxLength)

/**
 * A sign-in's body, apart from the other auth schemas: the sso function's hosted sign-in form reads
 * it too, and importing the rest would build them at its every cold start for nothing.
 */
export const LoginBody = z
  .object({
    identifier: Identifier,
    password: Password,
    /** the tenant to log in to; `select` names the platform or an industry instead */
    tenantCode: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9-]{3,40}$/)
      .optional(),
    select: z
      .string()
      .regex(/^(platform|industry:[a-z]+|tenant:[a-z0-9-]+)$/)
      .optional(),
  })
  .strict()
  .meta({ id: 'LoginRequest' })
