import * as z from 'zod'

export const ProductSchema = z.enum(['general', 'industrial'])

/** An edition is data: the marketplace sku maps to it and the tenant copies its limits. */
export const PlanSchema = z
  .object({
    code: z
      .string()
      .max(64)
      .regex(/^[a-z]+\.[a-z-]+$/),
    product: ProductSchema,
    edition: z.string().trim().min(1).max(64),
    name: z.string().trim().min(1).max(200),
    skuCode: z
      .string()
      .max(64)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -'),
    priceModel: z.enum(['free-trial', 'yearly']),
    trialMonths: z.number().int().min(0).max(36),
    /** false for the free basic editions: once per customer, ever */
    repeatable: z.boolean(),
    limits: z.object({
      maxMembers: z.number().int().positive().max(1_000_000),
      customPortal: z.boolean(),
      integrationFlows: z.number().int().min(0).max(100_000),
      diagnosisTool: z.boolean(),
      /** the drive's quota in bytes (absent: 5 GiB, lib/drive DEFAULT_DRIVE_BYTES) */
      driveBytes: z
        .number()
        .int()
        .min(0)
        .max(2 ** 50)
        .optional(),
    }),
    /** the built-in apps every tenant of the edition gets */
    baseApps: z.array(z.string().max(40)).max(50),
    /** no longer sold: no workbench opens on it or moves to it; those on it keep it and renew */
    retired: z.boolean().optional(),
  })
  .meta({ id: 'Plan' })
export type Plan = z.infer<typeof PlanSchema>

/** An edition as the system administrator puts it (its code is in the path). */
export const PlanBody = PlanSchema.omit({ code: true }).strict().meta({ id: 'PlanInput' })

/** What an edition's tenants and orders rely on: fixed once it exists. */
export const FIXED_PLAN_FIELDS = ['product', 'edition', 'skuCode', 'priceModel', 'repeatable'] as const

/** An industry is data: the system admin adds one; its code names its partition (`IND#<code>`). */
export const IndustryCode = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, '3 to 32 lower-case letters, digits and -')
export type IndustryCode = z.infer<typeof IndustryCode>

export const IndustrySchema = z
  .object({
    code: IndustryCode,
    name: z.string(),
    /** apps every tenant of the industry gets on opening, beyond its edition's base apps */
    preinstalledApps: z.array(z.string()),
    /** the subscribed apps its tenants see and may order (absent: every one the catalog sells) */
    storeApps: z.array(z.string()).optional(),
  })
  .meta({ id: 'Industry' })
export type Industry = z.infer<typeof IndustrySchema>

/** The system admin's write of an industry: its name, and (when given) its app lists. */
export const IndustryBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    preinstalledApps: z.array(z.string().max(64)).max(100).optional(),
    storeApps: z.array(z.string().max(64)).max(500).optional(),
  })
  .strict()
  .meta({ id: 'IndustryInput' })

/** The marketplace sku that sells an edition. */
export const editionSku = (plan: Plan) => ({
  skuCode: plan.skuCode,
  productId: `atrium-${plan.product}`,
  name: plan.name,
  target: {
    type: 'edition' as const,
    planCode: plan.code,
    industry: plan.product === 'industrial' ? ('industrial' as const) : ('office' as const),
  },
})

/** A marketplace product (sku) and what buying it gives: an edition, or an app with seats. */
export const SkuSchema = z
  .object({
    skuCode: z.string(),
    productId: z.string(),
    name: z.string(),
    target: z.discriminatedUnion('type', [
      z.object({ type: z.literal('edition'), planCode: z.string(), industry: IndustryCode }),
      z.object({
        type: z.literal('app'),
        appCode: z.string(),
        seats: z.number().int().positive(),
        /** days the app may be tried before it is ordered (absent: no trial) */
        trialDays: z.number().int().positive().optional(),
      }),
    ]),
  })
  .meta({ id: 'Sku' })
export type Sku = z.infer<typeof SkuSchema>
