import * as z from 'zod'
import { PageQuery } from '../core/db/pagination.js'
import { Identifier } from '../core/http/address-schemas.js'
import { Iso } from '../core/http/schemas.js'
import { PhoneRegionSchema } from '../core/identifiers.js'
import { IndustryCode } from '../platform/schemas.js'
import { ContactFieldsSchema, ServicePhoneSchema } from './contact-fields.js'
import { TENANT_STATUSES, VERIFICATION_METHODS } from './entities.js'

export const TenantStatusSchema = z.enum(TENANT_STATUSES)
export const CustomerLevel = z.string().regex(/^V[0-9]$/, 'a customer level such as V0-V5')

/** The enterprise's contact person (personal data: kept encrypted, shown to the tenant's admins only). */
export const TenantContactSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    phone: z.string().trim().min(3).max(32).optional(),
    email: z.email().max(254).optional(),
  })
  .strict()
  .meta({ id: 'TenantContact' })

export const TenantSchema = z
  .object({
    tenantId: z.string(),
    code: z.string(),
    name: z.string(),
    industry: z.string(),
    plan: z.object({ code: z.string(), product: z.string(), edition: z.string(), name: z.string() }),
    limits: z.object({
      maxMembers: z.number(),
      customPortal: z.boolean(),
      integrationFlows: z.number(),
      diagnosisTool: z.boolean(),
      driveBytes: z.number().optional(),
    }),
    usage: z.object({ members: z.number() }),
    status: TenantStatusSchema,
    frozenReason: z.enum(['expired', 'manual']).optional(),
    trial: z.boolean(),
    customerId: z.string(),
    /** the marketplace that opened it, when one did */
    market: z.string().optional(),
    customerLevel: z.string(),
    expiresAt: z.string(),
    /** the enterprise's real-name verification ('marketplace': the marketplace verified its buyer) */
    verification: z.object({
      verified: z.boolean(),
      method: z.enum([...VERIFICATION_METHODS, 'marketplace']).optional(),
      /** the record checked, or the marketplace order */
      reference: z.string().optional(),
      /** `account:<id>` of the system admin who verified it, or `marketplace:<name>` */
      by: z.string().optional(),
      at: z.string().optional(),
    }),
    /** how members' contact fields show to other members in contacts */
    contactFields: ContactFieldsSchema,
    /** the public service numbers contacts lists */
    servicePhones: z.array(ServicePhoneSchema),
    /** a free edition past `expiresAt` stays usable until then: a third-party app subscription still runs */
    keptOpenUntil: z.string().optional(),
    frozenAt: z.string().optional(),
    retentionUntil: z.string().optional(),
    createdAt: z.string(),
    /** where members' national mobile numbers are read (ISO 3166 alpha-2) */
    phoneRegion: z.string(),
    domain: z.string(),
    /** the tenant's hosted sign-in, for members and administrators alike */
    urls: z.object({ userLogin: z.string(), adminLogin: z.string() }),
  })
  .meta({ id: 'Tenant' })
export type TenantView = z.infer<typeof TenantSchema>

export const VerificationBody = z
  .object({
    method: z.enum(VERIFICATION_METHODS),
    /** the record checked: the licence's registration number, a transfer's reference, … (not personal data) */
    reference: z.string().trim().min(1).max(128),
  })
  .strict()
  .meta({ id: 'Verification' })

export const CreateTenantBody = z
  .object({
    customerId: z.string().trim().min(1).max(128),
    name: z.string().trim().min(1).max(200),
    industry: IndustryCode,
    planCode: z.string().min(1).max(64),
    trial: z.boolean().default(false),
    /** required for a paid edition; a trial's expiry follows from the plan */
    expiresAt: Iso.optional(),
    customerLevel: CustomerLevel.default('V0'),
    /** where national mobile numbers are read (the administrator's too); default: the platform's */
    phoneRegion: PhoneRegionSchema.optional(),
    admin: z.object({ identifier: Identifier, name: z.string().trim().min(1).max(100) }),
    /** every edition needs a verified enterprise: how the opening admin verified it */
    verification: VerificationBody,
  })
  .strict()
  .meta({ id: 'CreateTenant' })
export type CreateTenantInput = z.infer<typeof CreateTenantBody>

/** What the tenant administrator sets (`tenant.settings`): only the fields given change. */
export const TenantSettingsBody = z
  .object({
    /** where national mobile numbers are read from now on */
    phoneRegion: PhoneRegionSchema.optional(),
    /** the enterprise's name (providers bound to its apps hear of a rename) */
    name: z.string().trim().min(1).max(200).optional(),
    /** its contact person; null removes it */
    contact: TenantContactSchema.nullable().optional(),
    /** how members' mobile, e-mail and employee number show to other members in contacts */
    contactFields: ContactFieldsSchema.optional(),
    /** the public service numbers contacts lists (the whole list) */
    servicePhones: z.array(ServicePhoneSchema).max(50).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one setting' })
  .meta({ id: 'TenantSettings' })
export type TenantSettingsInput = z.infer<typeof TenantSettingsBody>

export const CreatedTenantSchema = z
  .object({
    tenant: TenantSchema,
    admin: z.object({
      accountId: z.string(),
      /** shown once; absent when the identifier already had an account */
      initialPassword: z.string().optional(),
      existingAccount: z.boolean(),
    }),
  })
  .meta({ id: 'CreatedTenant' })

export const ListTenantsQuery = PageQuery.extend({
  industry: IndustryCode.optional(),
  status: TenantStatusSchema.optional(),
})

export const TenantIdParams = z.object({ tenantId: z.string().min(1).max(64) })

export const RenewBody = z.object({ expiresAt: Iso }).strict()
export const FreezeBody = z.object({ note: z.string().max(500).optional() }).strict()

export const HistoryEventSchema = z
  .object({
    at: z.string(),
    action: z.string(),
    fromStatus: z.string().optional(),
    toStatus: z.string(),
    actor: z.string(),
    orderId: z.string().optional(),
    note: z.string().optional(),
  })
  .meta({ id: 'TenantHistoryEvent' })
