import * as z from 'zod'
import {
  AppCode,
  AppDefinitionFields,
  AppDefinitionPatch,
  AttributeDefinition,
  ClientType,
  PersonalField,
  SsoProtocol,
  wholeDefinition,
} from '../platform/app-schemas.js'

export const AppIdParams = z.object({ appId: AppCode })
export const AppGroupIdParams = z.object({
  groupId: z.string().regex(/^[0-9a-z]{10,40}$/, 'not an app group id'),
})

/** A tenant registers its own app: any protocol but ours. */
export const RegisterAppBody = AppDefinitionFields.extend({
  protocol: SsoProtocol.exclude(['built-in']),
})
  .strict()
  .superRefine(wholeDefinition)
  .meta({ id: 'RegisterApp' })

/** What an admin changes: whether it shows and where; for the tenant's own apps, the definition too. */
export const UpdateAppBody = AppDefinitionPatch.extend({
  protocol: SsoProtocol.exclude(['built-in']).optional(),
  enabled: z.boolean().optional(),
  groupId: z
    .string()
    .regex(/^[0-9a-z]{10,40}$/, 'not an app group id')
    .nullable()
    .optional(),
  order: z.number().int().min(0).max(10_000).optional(),
})
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .meta({ id: 'UpdateApp' })
export type UpdateAppInput = z.infer<typeof UpdateAppBody>

export const LicenceSchema = z
  .object({
    status: z.enum(['active', 'expired', 'released']),
    seats: z.number().optional(),
    expiresAt: z.string().optional(),
    /** still on its trial: it ends at `expiresAt` unless the app is ordered */
    trial: z.boolean().optional(),
  })
  .meta({ id: 'Licence' })

export const AppSchema = z
  .object({
    appId: z.string(),
    /** built-in (ours), preinstalled (the industry's), subscribed (bought), self-built (the tenant's own) */
    kind: z.enum(['built-in', 'preinstalled', 'subscribed', 'self-built']),
    name: z.string(),
    description: z.string().optional(),
    iconUrl: z.string().optional(),
    homeUrl: z.string().optional(),
    clientTypes: z.array(ClientType),
    protocol: SsoProtocol,
    redirectUris: z.array(z.string()),
    casServices: z.array(z.string()),
    logoutUrl: z.string().optional(),
    attributes: z.array(AttributeDefinition),
    requestedFields: z.array(PersonalField),
    enabled: z.boolean(),
    groupId: z.string().optional(),
    order: z.number(),
    /** the app's client at the tenant's issuer (its secret is shown once, when issued) */
    clientId: z.string().optional(),
    licence: LicenceSchema,
    marketplaceUrl: z.string().optional(),
  })
  .meta({ id: 'App' })
export type AppView = z.infer<typeof AppSchema>

export const ClientSecretSchema = z
  .object({ clientId: z.string(), clientSecret: z.string() })
  .meta({ id: 'ClientSecret' })

export const RegisteredAppSchema = z
  .object({
    app: AppSchema,
    appId: z.string(),
    clientId: z.string().optional(),
    clientSecret: z.string().optional(),
  })
  .meta({ id: 'RegisteredApp' })

export const AppGroupBody = z
  .object({ name: z.string().trim().min(1).max(100), order: z.number().int().min(0).max(10_000).optional() })
  .strict()
  .meta({ id: 'AppGroupInput' })

export const AppGroupSchema = z
  .object({ groupId: z.string(), name: z.string(), order: z.number() })
  .meta({ id: 'AppGroup' })

export const AppGroupList = z.object({ items: z.array(AppGroupSchema) }).meta({ id: 'AppGroupList' })

export const CatalogEntrySchema = z
  .object({
    appId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    kind: z.enum(['built-in', 'preinstalled', 'subscribed']),
    clientTypes: z.array(ClientType),
    protocol: SsoProtocol,
    marketplaceUrl: z.string().optional(),
    /** what can be bought: seats per sku */
    /** the skus it is sold by: seats, and the days it may be tried first (absent: no trial) */
    skus: z.array(
      z.object({
        skuCode: z.string(),
        name: z.string(),
        seats: z.number(),
        trialDays: z.number().optional(),
      }),
    ),
    /** the tenant has it already */
    added: z.boolean(),
  })
  .meta({ id: 'CatalogEntry' })

/** The personal fields the tenant lets an app receive: a subset of those it asks for. */
export const UserDataBody = z
  .object({ fields: z.array(PersonalField).max(PersonalField.options.length) })
  .strict()
  .meta({ id: 'UserDataInput' })

export const UserDataSchema = z
  .object({ appId: z.string(), requestedFields: z.array(PersonalField), fields: z.array(PersonalField) })
  .meta({ id: 'UserData' })

export const PreinstalledAppsBody = z
  .object({ appIds: z.array(AppCode).max(100) })
  .strict()
  .meta({ id: 'PreinstalledApps' })
