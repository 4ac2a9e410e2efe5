import * as z from 'zod'
import { PERMISSIONS } from './permissions.js'

/** Where a token acts: the whole platform, one industry, or one tenant. */
export const ScopeSchema = z.enum(['platform', 'industry', 'tenant'])
export type Scope = z.infer<typeof ScopeSchema>

/** The claims we put in an access token, beyond the registered ones (sub, iat, exp, iss, aud, jti). */
export const AccessClaimsSchema = z.object({
  sub: z.string(),
  scp: ScopeSchema,
  /** tenant id (tenant scope) or industry code (industry scope) */
  ctx: z.string().optional(),
  mid: z.string().optional(),
  roles: z.array(z.string()).default([]),
  perms: z.array(z.enum(PERMISSIONS)).default([]),
  /** the one-time initial password must be changed before anything else */
  pwc: z.boolean().optional(),
  /** read-only session: a frozen tenant's administrator */
  ro: z.boolean().optional(),
  sid: z.string(),
  /** the account's session epoch when issued: a password change or reset ends the token */
  aep: z.number().int().default(0),
})
export type AccessClaims = z.infer<typeof AccessClaimsSchema>

/** What a verified access token says; the live session check turns it into a Caller. */
export interface Principal {
  accountId: string
  scope: Scope
  tenantId?: string
  industry?: string
  memberId?: string
  roles: string[]
  permissions: string[]
  mustChangePassword: boolean
  readOnly: boolean
  sessionId: string
  accountEpoch: number
}

export const principalFromClaims = (c: AccessClaims): Principal => ({
  accountId: c.sub,
  scope: c.scp,
  tenantId: c.scp === 'tenant' ? c.ctx : undefined,
  industry: c.scp === 'industry' ? c.ctx : undefined,
  memberId: c.mid,
  roles: c.roles,
  permissions: c.perms,
  mustChangePassword: c.pwc === true,
  readOnly: c.ro === true,
  sessionId: c.sid,
  accountEpoch: c.aep,
})
