import * as z from 'zod'
import { PageQuery } from '../core/db/pagination.js'
import { Identifier } from '../core/http/address-schemas.js'
import { NewPassword, VerificationCode } from '../core/http/schemas.js'
import { PURPOSES } from '../identity/proofs.js'
import { Password } from './login-body.js'

export const RealmChoice = z
  .object({
    realm: z.enum(['platform', 'industry', 'tenant']),
    code: z.string(),
    name: z.string(),
    select: z.string(),
  })
  .meta({ id: 'RealmChoice' })

export const TokensSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number(),
    realm: z.enum(['platform', 'industry', 'tenant']),
    tenant: z
      .object({ tenantId: z.string(), code: z.string(), name: z.string(), status: z.string() })
      .optional(),
    industry: z.string().optional(),
    mustChangePassword: z.boolean(),
    readOnly: z.boolean(),
  })
  .meta({ id: 'Tokens' })

export const LoginResponse = z
  .union([TokensSchema, z.object({ chooseFrom: z.array(RealmChoice) })])
  .meta({ id: 'LoginResponse' })

export const RefreshBody = z.object({ refreshToken: z.string().min(10).max(200) }).strict()

/** A browser sign-in's hand-off code (`POST /t/{tenantCode}/session/handoff`): 256 random bits. */
export const HandoffBody = z
  .object({ code: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a hand-off code') })
  .strict()
  .meta({ id: 'Handoff' })

export const ChangePasswordBody = z
  .object({
    currentPassword: Password,
    newPassword: NewPassword,
    /** required to replace a one-time password: the code sent to the login identifier (purpose `activate`) */
    verificationCode: VerificationCode.optional(),
  })
  .strict()
  .refine((b) => b.currentPassword !== b.newPassword, {
    message: 'must differ from the current password',
    path: ['newPassword'],
  })
  .meta({ id: 'ChangePassword' })

export const CodeRequestBody = z
  .object({ identifier: Identifier, purpose: z.enum(PURPOSES) })
  .strict()
  .meta({ id: 'CodeRequest' })

export const AcceptedSchema = z.object({ accepted: z.literal(true) }).meta({ id: 'Accepted' })

export const ResetPasswordBody = z
  .object({ identifier: Identifier, code: VerificationCode, newPassword: NewPassword })
  .strict()
  .meta({ id: 'ResetPassword' })

export const LoginLogEntrySchema = z
  .object({
    at: z.string(),
    result: z.string(),
    accountId: z.string(),
    tenantId: z.string().optional(),
    ip: z.string(),
    userAgent: z.string(),
  })
  .meta({ id: 'LoginLogEntry' })

export const LoginLogQuery = PageQuery

export const SwitchBody = z
  .object({
    select: z
      .string()
      .regex(/^(platform|industry:[a-z]+|tenant:[a-z0-9-]+)$/, 'platform, industry:<code> or tenant:<code>'),
  })
  .strict()
