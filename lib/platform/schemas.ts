import * as z from 'zod'

export const ProductSchema = z.enum(['general', 'industrial'])

/** An edition is data: the marketplace sku maps to it and the tenant copies its limits. */
export const PlanSchema = z
  .object({
    code: z.string().regex(/^[a-z]+\.[a-z-]+$/),
    product: ProductSchema,
    edition: z.string(),
    name: z.string(),
    skuCode: z.string(),
    priceModel: z.enum(['free-trial', 'yearly']),
    trialMonths: z.number().int().min(0),
    /** false for the free basic editions: once per customer, ever */
    repeatable: z.boolean(),
    limits: z.object({
      maxMembers: z.number().int().positive(),
      customPortal: z.boolean(),
      integrationFlows: z.number().int().min(0),
      diagnosisTool: z.boolean(),
    }),
    baseApps: z.array(z.string()),
  })
  .meta({ id: 'Plan' })
export type Plan = z.infer<typeof PlanSchema>

export const IndustryCode = z.enum(['office', 'industrial', 'education', 'medical'])
export type IndustryCode = z.infer<typeof IndustryCode>

export const IndustrySchema = z
  .object({
    code: IndustryCode,
    name: z.string(),
    /** apps every tenant of the industry gets on opening, beyond its edition's base apps */
    preinstalledApps: z.array(z.string()),
    defaultPortal: z.string(),
  })
  .meta({ id: 'Industry' })
export type Industry = z.infer<typeof IndustrySchema>

export const CatalogAppSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    kind: z.enum(['built-in', 'preinstalled', 'subscribed', 'self-built']),
    clientTypes: z.array(z.enum(['h5', 'mini-program', 'desktop', 'web'])),
  })
  .meta({ id: 'CatalogApp' })
export type CatalogApp = z.infer<typeof CatalogAppSchema>

/** A marketplace product (sku) and what buying it gives: an edition, or an app with seats. */
export const SkuSchema = z
  .object({
    skuCode: z.string(),
    productId: z.string(),
    name: z.string(),
    target: z.discriminatedUnion('type', [
      z.object({ type: z.literal('edition'), planCode: z.string(), industry: IndustryCode }),
      z.object({ type: z.literal('app'), appCode: z.string(), seats: z.number().int().positive() }),
    ]),
  })
  .meta({ id: 'Sku' })
export type Sku = z.infer<typeof SkuSchema>
