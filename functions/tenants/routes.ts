import * as z from 'zod'
import { checkedTenantOf } from '../../lib/auth/session-check.js'
import { BrandingBody, BrandingViewSchema } from '../../lib/branding/api-schemas.js'
import { type BrandingTarget, brandingView } from '../../lib/branding/branding.js'
import { writeBranding } from '../../lib/branding/write-branding.js'
import type { TenantCaller } from '../../lib/core/auth/caller.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import {
  type Access,
  industryAccess,
  platformAccess,
  publicAccess,
  tenantAccess,
} from '../../lib/core/http/access.js'
import { Identifier } from '../../lib/core/http/address-schemas.js'
import { type LevelName, ownLevel } from '../../lib/core/http/own-level.js'
import { type CallerFor, route } from '../../lib/core/http/route.js'
import type { TenantContext } from '../../lib/core/tenancy.js'
import { listIndustries, listPlans, putIndustry, putPlan } from '../../lib/platform/catalog.js'
import { appointIndustryAdmin } from '../../lib/platform/industry-admins.js'
import {
  IndustryBody,
  IndustryCode,
  IndustrySchema,
  PlanBody,
  PlanSchema,
} from '../../lib/platform/schemas.js'
import { createTenant } from '../../lib/tenants/create-tenant.js'
import { listHistory } from '../../lib/tenants/history.js'
import { freezeTenant, renewTenant, unfreezeTenant } from '../../lib/tenants/lifecycle.js'

import {
  CreatedTenantSchema,
  CreateTenantBody,
  FreezeBody,
  HistoryEventSchema,
  ListTenantsQuery,
  RenewBody,
  TenantContactSchema,
  TenantIdParams,
  TenantSchema,
  TenantSettingsBody,
} from '../../lib/tenants/schemas.js'
import { tenantContact, updateTenantSettings } from '../../lib/tenants/settings.js'
import { getTenantView, listTenants, toTenantView } from '../../lib/tenants/views.js'

const tag = 'Tenants'
const platform = platformAccess()
const actor = (caller: { accountId: string }, note?: string) => ({
  actor: `account:${caller.accountId}`,
  note,
})

/** The caller's tenant with what its branding inherits and defaults to, as the session check read it. */
const tenantBranding = async (req: {
  caller: TenantCaller
  tenant: TenantContext
}): Promise<BrandingTarget> => {
  const t = checkedTenantOf(req.caller) ?? (await getTenantView(req.tenant.tenantId))
  return {
    level: 'tenant',
    tenant: { tenantId: req.tenant.tenantId, industry: t.industry, tenantName: t.name },
  }
}

const WHOSE = {
  platform: "the platform's defaults",
  industry: "the caller's industry",
  tenant: "the caller's tenant",
} as const

/**
 * The sign-in page's branding at one level, always the caller's own (from the token): read it with
 * what it inherits, replace it (PUT) or change some fields (PATCH; `null` clears a field, which is
 * then inherited again).
 */
const brandingRoutes = <A extends Access>(
  level: LevelName,
  access: A,
  targetOf: (req: CallerFor<A>) => BrandingTarget | Promise<BrandingTarget>,
) => {
  const { base, name, who, actorOf } = ownLevel(level, access, WHOSE)
  const path = `${base}/branding`
  return [
    route({
      operationId: `get${name}Branding`,
      method: 'GET',
      path,
      summary: `The sign-in page branding of ${who}: what it sets, and what results with what it inherits`,
      tag: 'Branding',
      access,
      response: BrandingViewSchema,
      handle: async (req) => brandingView(await targetOf(req)),
    }),
    route({
      operationId: `replace${name}Branding`,
      method: 'PUT',
      path,
      summary: `Set the sign-in page branding of ${who} (a field absent or null is inherited)`,
      tag: 'Branding',
      access,
      body: BrandingBody,
      response: BrandingViewSchema,
      handle: async (req) => writeBranding(await targetOf(req), req.body, 'replace', actorOf(req)),
    }),
    route({
      operationId: `update${name}Branding`,
      method: 'PATCH',
      path,
      summary: `Change some fields of the sign-in page branding of ${who} (null: inherit it again)`,
      tag: 'Branding',
      access,
      body: BrandingBody,
      response: BrandingViewSchema,
      handle: async (req) => writeBranding(await targetOf(req), req.body, 'merge', actorOf(req)),
    }),
  ]
}

export const routes = [
  route({
    operationId: 'listPlans',
    method: 'GET',
    path: '/v1/plans',
    summary: 'The editions on offer and their limits',
    tag: 'Catalog',
    access: publicAccess,
    response: z.object({ items: z.array(PlanSchema) }),
    handle: async () => ({ items: (await listPlans()).filter((p) => !p.retired) }),
  }),
  route({
    operationId: 'platformPlans',
    method: 'GET',
    path: '/v1/platform/plans',
    summary: 'Every edition, those no longer sold included',
    tag: 'Catalog',
    access: platform,
    response: z.object({ items: z.array(PlanSchema) }),
    handle: async () => ({ items: await listPlans() }),
  }),
  route({
    operationId: 'putPlatformPlan',
    method: 'PUT',
    path: '/v1/platform/plans/{planCode}',
    summary:
      'Create an edition (with the sku that sells it) or change its name, limits, base apps, trial or whether it is still sold (`retired`); workbenches keep the limits they have',
    tag: 'Catalog',
    access: platform,
    params: z.object({ planCode: PlanSchema.shape.code }),
    body: PlanBody,
    response: PlanSchema,
    errors: ['CONFLICT'],
    handle: async (req) => putPlan(req.params.planCode, req.body),
  }),
  route({
    operationId: 'putPlatformIndustry',
    method: 'PUT',
    path: '/v1/platform/industries/{industry}',
    summary:
      'Add an industry or rename one (its preinstalled apps and its store change only when given); then appoint its administrators',
    tag: 'Catalog',
    access: platform,
    params: z.object({ industry: IndustryCode }),
    body: IndustryBody,
    response: IndustrySchema,
    handle: async (req) => putIndustry(req.params.industry, req.body),
  }),
  route({
    operationId: 'appointIndustryAdmin',
    method: 'POST',
    path: '/v1/platform/industries/{industry}/admins',
    summary:
      "Make someone an industry's administrator: a new account's one-time password is shown once, an existing account keeps its own",
    tag: 'Catalog',
    access: platform,
    params: z.object({ industry: IndustryCode }),
    body: z.object({ identifier: Identifier }).strict(),
    response: z.object({
      accountId: z.string(),
      identifier: z.string(),
      industry: IndustryCode,
      initialPassword: z.string().optional(),
    }),
    status: 201,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: async (req) => appointIndustryAdmin(req.params.industry, req.body.identifier),
  }),
  route({
    operationId: 'listIndustries',
    method: 'GET',
    path: '/v1/industries',
    summary: 'The industries a tenant can belong to',
    tag: 'Catalog',
    access: publicAccess,
    response: z.object({ items: z.array(IndustrySchema) }),
    handle: async () => ({ items: await listIndustries() }),
  }),
  route({
    operationId: 'createTenant',
    method: 'POST',
    path: '/v1/tenants',
    summary: 'Open a tenant instance with its administrator (the one-time password is shown once)',
    tag,
    access: platform,
    body: CreateTenantBody,
    response: CreatedTenantSchema,
    status: 201,
    idempotent: true,
    errors: ['INSTANCE_EXISTS', 'FREE_TRIAL_USED'],
    handle: async (req) => createTenant(req.body, actor(req.caller)),
  }),
  route({
    operationId: 'listTenants',
    method: 'GET',
    path: '/v1/tenants',
    summary: 'All tenants, newest first, by industry and status',
    tag,
    access: platform,
    query: ListTenantsQuery,
    response: page(TenantSchema),
    handle: async (req) => listTenants(req.query),
  }),
  route({
    operationId: 'getTenant',
    method: 'GET',
    path: '/v1/tenants/{tenantId}',
    summary: 'One tenant',
    tag,
    access: platform,
    params: TenantIdParams,
    response: TenantSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getTenantView(req.params.tenantId, { includeReleased: true }),
  }),
  route({
    operationId: 'freezeTenant',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/freeze',
    summary: 'Freeze an active tenant (members lose access at once; the admin keeps read-only access)',
    tag,
    access: platform,
    params: TenantIdParams,
    body: FreezeBody,
    response: TenantSchema,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT'],
    handle: async (req) => freezeTenant(req.params.tenantId, 'manual', actor(req.caller, req.body.note)),
  }),
  route({
    operationId: 'unfreezeTenant',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/unfreeze',
    summary: 'Lift a freeze on a tenant whose subscription has not expired',
    tag,
    access: platform,
    params: TenantIdParams,
    body: FreezeBody,
    response: TenantSchema,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT'],
    handle: async (req) => unfreezeTenant(req.params.tenantId, actor(req.caller, req.body.note)),
  }),
  route({
    operationId: 'renewTenant',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/renew',
    summary: 'Extend the subscription; restores a frozen tenant inside its retention period',
    tag,
    access: platform,
    params: TenantIdParams,
    body: RenewBody,
    response: TenantSchema,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT'],
    handle: async (req) => renewTenant(req.params.tenantId, req.body.expiresAt, actor(req.caller)),
  }),
  route({
    operationId: 'tenantHistory',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/history',
    summary: "A tenant's lifecycle history, newest first",
    tag,
    access: platform,
    params: TenantIdParams,
    query: PageQuery,
    response: page(HistoryEventSchema),
    errors: ['NOT_FOUND'],
    handle: async (req) => {
      await getTenantView(req.params.tenantId, { includeReleased: true })
      return listHistory(req.params.tenantId, req.query.limit, req.query.cursor)
    },
  }),
  route({
    operationId: 'listIndustryTenants',
    method: 'GET',
    path: '/v1/industry/tenants',
    summary: "The tenants of the caller's industry",
    tag,
    access: industryAccess(),
    query: ListTenantsQuery.omit({ industry: true }),
    response: page(TenantSchema),
    handle: async (req) => listTenants({ ...req.query, industry: req.caller.industry }),
  }),
  route({
    operationId: 'getIndustryTenant',
    method: 'GET',
    path: '/v1/industry/tenants/{tenantId}',
    summary: "One tenant of the caller's industry",
    tag,
    access: industryAccess(),
    params: TenantIdParams,
    response: TenantSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getTenantView(req.params.tenantId, { industry: req.caller.industry }),
  }),
  route({
    operationId: 'getMyTenant',
    method: 'GET',
    path: '/v1/tenant',
    summary: "The caller's tenant: edition, limits, usage, status, expiry and URLs",
    tag,
    access: tenantAccess('tenant.read'),
    response: TenantSchema,
    // the live session check has just read the tenant, consistently: shown as it was read
    handle: async (req) => {
      const checked = checkedTenantOf(req.caller)
      return checked ? toTenantView(checked) : getTenantView(req.tenant.tenantId)
    },
  }),
  route({
    operationId: 'updateMyTenant',
    method: 'PATCH',
    path: '/v1/tenant',
    summary:
      "The caller's enterprise info and settings: its name, its contact person, the region national mobile numbers are read in",
    tag,
    access: tenantAccess('tenant.settings'),
    body: TenantSettingsBody,
    response: TenantSchema,
    errors: ['TENANT_FROZEN'],
    handle: async (req) => updateTenantSettings(req.tenant, req.body),
  }),
  route({
    operationId: 'myTenantContact',
    method: 'GET',
    path: '/v1/tenant/contact',
    summary: "The enterprise's contact person (personal data: its administrators only)",
    tag,
    access: tenantAccess('tenant.settings'),
    response: z.object({ contact: TenantContactSchema.nullable() }),
    handle: async (req) => tenantContact(req.tenant),
  }),
  ...brandingRoutes('platform', platform, () => ({ level: 'platform' })),
  ...brandingRoutes('industry', industryAccess(), (req) => ({
    level: 'industry',
    industry: req.caller.industry,
  })),
  // portal.write: the permission for how the workbench looks (its portal and its sign-in page)
  ...brandingRoutes('tenant', tenantAccess('portal.write'), tenantBranding),
]
