import { isIP } from 'node:net'
import * as z from 'zod'
import { config } from '../core/config.js'
import { OAEP_PROFILES } from './client-secret.js'
import { DIALECTS, QUEUE_STATES } from './records.js'
import { OPS_CASES } from './scim-resources.js'

/**
 * A provider's base URL: https to a DNS name on port 443 (the workbench's rule for providers, and
 * no way in to an address inside; outbound.ts checks what the name resolves to). The local stack
 * also takes http to this machine, where its stand-in provider runs.
 */
export const ProviderUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v)
      if (u.username || u.password || u.hash || u.search) return false
      const local = config().OUTBOUND_ALLOW_SPECIAL_USE && ['localhost', '127.0.0.1'].includes(u.hostname)
      if (local) return u.protocol === 'http:' || u.protocol === 'https:'
      return u.protocol === 'https:' && (u.port === '' || u.port === '443') && isIP(u.hostname) === 0
    } catch {
      return false
    }
  }, 'an https URL of a DNS name on port 443, without credentials, query or fragment')
  .transform((v) => v.replace(/\/+$/, ''))

export const Dialect = z.enum(['none', ...DIALECTS])

export const ProvisioningBody = z
  .object({
    /** none, the cloud workbench's sync interfaces (v2, or v1 for older apps), or SCIM 2.0 */
    dialect: Dialect,
    baseUrl: ProviderUrl.optional(),
    /** the workbench dialects' signing key; kept encrypted, never shown again (omit to keep it) */
    accessKey: z.string().min(8).max(256).optional(),
    /** SCIM's bearer token; kept encrypted, never shown again (omit to keep it) */
    bearerToken: z.string().min(8).max(4096).optional(),
    /** the provider's RSA public key (≥ 3072 bits; PEM or bare base64): the client secret is sealed with it */
    publicKeyPem: z.string().trim().max(8192).optional(),
    /** the OAEP variant the provider decrypts with (default: SHA-256 with MGF1-SHA1, Java's default) */
    oaep: z.enum(OAEP_PROFILES).optional(),
    /** SCIM: send the tenant's departments as Groups, with the members in them (default false; omit to keep) */
    scimGroups: z.boolean().optional(),
    /** SCIM: `capitalized` for servers that take only `Add`/`Replace`/`Remove` PATCH ops (default lower; omit to keep) */
    scimOpsCase: z.enum(OPS_CASES).optional(),
  })
  .strict()
  .meta({ id: 'ProvisioningInput' })
export type ProvisioningInput = z.infer<typeof ProvisioningBody>

export const ProvisioningSchema = z
  .object({
    appId: z.string(),
    dialect: Dialect,
    baseUrl: z.string().optional(),
    /** the last characters of the access key or token, to tell which one is set */
    secretHint: z.string().optional(),
    publicKeyPem: z.string().optional(),
    oaep: z.enum(OAEP_PROFILES).optional(),
    /** SCIM only: whether departments go as Groups */
    scimGroups: z.boolean().optional(),
    /** SCIM only: how PATCH ops are spelt */
    scimOpsCase: z.enum(OPS_CASES).optional(),
    instanceId: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .meta({ id: 'Provisioning' })

export const ProvisioningStatusSchema = z
  .object({
    appId: z.string(),
    dialect: Dialect,
    /** idle: nothing to send; pending: sending; failing: waiting to retry; parked: waiting for the admin */
    state: z.enum(QUEUE_STATES),
    /** deliveries waiting (read up to 1,000) */
    queued: z.number(),
    attempts: z.number(),
    nextAttemptAt: z.string().optional(),
    lastSuccessAt: z.string().optional(),
    lastError: z
      .object({
        at: z.string(),
        message: z.string(),
        code: z.string().optional(),
        httpStatus: z.number().optional(),
      })
      .optional(),
  })
  .meta({ id: 'ProvisioningStatus' })

const KitAnswer = z.object({
  ok: z.boolean(),
  /** the provider's resultCode */
  code: z.string().optional(),
  message: z.string(),
  httpStatus: z.number().optional(),
})

export const ProvisioningTestSchema = z
  .object({
    tenantSync: KitAnswer,
    applicationSync: KitAnswer,
    /** the OAEP profile the provider opened, when it is not the app's */
    workingOaep: z.enum(OAEP_PROFILES).optional(),
  })
  .meta({ id: 'ProvisioningTest' })
