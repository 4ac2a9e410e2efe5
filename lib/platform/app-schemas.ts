import * as z from 'zod'
import { WebUrl } from '../core/http/address-schemas.js'

/*
 * What an app is, in the catalog and in a tenant's own registrations. Apart from the editions,
 * industries and skus (schemas.ts): signing a member in to an app builds these and none of those.
 */

/** Where an app runs: web, H5 light app, mini-program, desktop (CS) app. */
export const ClientType = z.enum(['web', 'h5', 'mini-program', 'desktop'])

/**
 * How members get into an app: OpenID Connect, the workbench's OAuth2 dialect, CAS, a one-time
 * code its backend exchanges (light apps, mini-programs), a plain link; built-in apps are ours.
 */
export const SsoProtocol = z.enum(['oidc', 'oauth2', 'cas', 'code', 'link', 'built-in'])

/** An absolute https URL (http only for localhost), without credentials or a fragment. */
const AppUrl = WebUrl

/**
 * A CAS service an app may ask tickets for: an exact URL, or an explicit prefix ending in `/*`
 * (any path below it, on that origin). Never "the same domain".
 */
const CasService = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (v) => AppUrl.safeParse(v.endsWith('/*') ? v.slice(0, -1) : v).success && !v.slice(0, -2).includes('*'),
    {
      message: 'an exact https URL, or one ending in /* for every path below it',
    },
  )

/** A per-member parameter an app declares (the ERP account set a member works in): admins fill it. */
export const AttributeDefinition = z
  .object({
    key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, 'letters, digits and _, starting with a letter'),
    name: z.string().trim().min(1).max(100),
    /** when given, the only values a member may be given */
    options: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
  })
  .strict()

/** The member data an app may ask for; the tenant approves a subset (none by default). */
export const PersonalField = z.enum(['mobile', 'email', 'employeeNo', 'departments', 'position'])

const definitionShape = {
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(2000).optional(),
  iconUrl: AppUrl.optional(),
  homeUrl: AppUrl.optional(),
  clientTypes: z.array(ClientType).min(1).max(4),
  protocol: SsoProtocol,
  /** OIDC / OAuth2: exact redirect URIs */
  redirectUris: z.array(AppUrl).max(20),
  /** CAS: exact service URLs or explicit prefixes */
  casServices: z.array(CasService).max(20),
  /**
   * Where the app is told a member signed out of the workbench (opt-in): an OpenID back-channel
   * logout token for OIDC and OAuth2 apps, a CAS SAML LogoutRequest for CAS apps.
   */
  logoutUrl: AppUrl.optional(),
  attributes: z.array(AttributeDefinition).max(50),
  requestedFields: z.array(PersonalField).max(PersonalField.options.length),
}

/** What an app is and how it signs members in: the catalog's apps and a tenant's own share it. */
export const AppDefinitionFields = z.object({
  ...definitionShape,
  redirectUris: definitionShape.redirectUris.default([]),
  casServices: definitionShape.casServices.default([]),
  attributes: definitionShape.attributes.default([]),
  requestedFields: definitionShape.requestedFields.default([]),
})

/** Changes to a definition: only the fields given (no defaults fill in the others). */
export const AppDefinitionPatch = z.object(definitionShape).partial()

/** What a definition needs as a whole, beyond each field (the protocol's own settings). */
export const wholeDefinition = (d: z.output<typeof AppDefinitionFields>, ctx: z.RefinementCtx) => {
  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) ctx.addIssue({ code: 'custom', path: [path], message })
  }
  need(
    !['oidc', 'oauth2'].includes(d.protocol) || d.redirectUris.length > 0,
    'redirectUris',
    'OIDC and OAuth2 apps need a redirect URI',
  )
  need(d.protocol !== 'cas' || d.casServices.length > 0, 'casServices', 'CAS apps need at least one service')
  need(d.protocol !== 'link' || d.homeUrl !== undefined, 'homeUrl', 'a link app needs its homeUrl')
  need(
    d.logoutUrl === undefined || ['oidc', 'oauth2', 'cas'].includes(d.protocol),
    'logoutUrl',
    'only OIDC, OAuth2 and CAS apps are told of a sign-out',
  )
  need(
    new Set(d.attributes.map((a) => a.key)).size === d.attributes.length,
    'attributes',
    'attribute keys must differ',
  )
}

export const AppDefinition = AppDefinitionFields.superRefine(wholeDefinition)
export type AppDefinition = z.infer<typeof AppDefinition>

/** An app code: the app's id in the catalog and in every tenant that has it. */
export const AppCode = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'lower-case letters, digits and -, 2-40')

const CatalogAppFields = AppDefinitionFields.extend({
  code: AppCode,
  kind: z.enum(['built-in', 'preinstalled', 'subscribed']),
  /** preinstalled apps: SSO into an existing system (federated) or a SaaS of the provider */
  delivery: z.enum(['federated', 'saas']).optional(),
  /** where the app can be bought (subscribed apps) */
  marketplaceUrl: AppUrl.optional(),
}).strict()

export const CatalogAppSchema = CatalogAppFields.superRefine(wholeDefinition).meta({ id: 'CatalogApp' })

/** A catalog app as a system administrator puts it (its code is in the path). */
export const CatalogAppBody = CatalogAppFields.omit({ code: true })
  .superRefine(wholeDefinition)
  .meta({ id: 'CatalogAppInput' })
export type CatalogApp = z.infer<typeof CatalogAppSchema>
export type CatalogAppInput = z.input<typeof CatalogAppSchema>
