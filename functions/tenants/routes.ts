import * as z from 'zod'
import type { Principal } from '../../lib/core/auth/principal.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import { bind, defineRoute } from '../../lib/core/http/route.js'
import { listIndustries, listPlans } from '../../lib/platform/catalog.js'
import { IndustrySchema, PlanSchema } from '../../lib/platform/schemas.js'
import { createTenant } from '../../lib/tenants/create-tenant.js'
import { listHistory } from '../../lib/tenants/history.js'
import { freezeTenant, renewTenant, unfreezeTenant } from '../../lib/tenants/lifecycle.js'
import { getTenantView, listTenants } from '../../lib/tenants/queries.js'
import {
  CreatedTenantSchema,
  CreateTenantBody,
  FreezeBody,
  HistoryEventSchema,
  ListTenantsQuery,
  RenewBody,
  TenantIdParams,
  TenantSchema,
} from '../../lib/tenants/schemas.js'

const tag = 'Tenants'
const platform = { scopes: ['platform'] } as const
const industry = { scopes: ['industry'] } as const

export const listPlansRoute = defineRoute({
  operationId: 'listPlans',
  method: 'GET',
  path: '/v1/plans',
  summary: 'The editions on offer and their limits',
  tag: 'Catalog',
  access: { public: true },
  response: z.object({ items: z.array(PlanSchema) }),
})

export const listIndustriesRoute = defineRoute({
  operationId: 'listIndustries',
  method: 'GET',
  path: '/v1/industries',
  summary: 'The industries a tenant can belong to',
  tag: 'Catalog',
  access: { public: true },
  response: z.object({ items: z.array(IndustrySchema) }),
})

export const createTenantRoute = defineRoute({
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
})

export const listTenantsRoute = defineRoute({
  operationId: 'listTenants',
  method: 'GET',
  path: '/v1/tenants',
  summary: 'All tenants, newest first, by industry and status',
  tag,
  access: platform,
  query: ListTenantsQuery,
  response: page(TenantSchema),
})

export const getTenantRoute = defineRoute({
  operationId: 'getTenant',
  method: 'GET',
  path: '/v1/tenants/{tenantId}',
  summary: 'One tenant',
  tag,
  access: platform,
  params: TenantIdParams,
  response: TenantSchema,
  errors: ['NOT_FOUND'],
})

export const freezeTenantRoute = defineRoute({
  operationId: 'freezeTenant',
  method: 'POST',
  path: '/v1/tenants/{tenantId}/freeze',
  summary: 'Freeze an active tenant (members cannot log in; the admin gets read-only access)',
  tag,
  access: platform,
  params: TenantIdParams,
  body: FreezeBody,
  response: TenantSchema,
  errors: ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT'],
})

export const unfreezeTenantRoute = defineRoute({
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
})

export const renewTenantRoute = defineRoute({
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
})

export const tenantHistoryRoute = defineRoute({
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
})

export const industryTenantsRoute = defineRoute({
  operationId: 'listIndustryTenants',
  method: 'GET',
  path: '/v1/industry/tenants',
  summary: "The tenants of the caller's industry",
  tag,
  access: industry,
  query: ListTenantsQuery.omit({ industry: true }),
  response: page(TenantSchema),
})

export const industryTenantRoute = defineRoute({
  operationId: 'getIndustryTenant',
  method: 'GET',
  path: '/v1/industry/tenants/{tenantId}',
  summary: "One tenant of the caller's industry",
  tag,
  access: industry,
  params: TenantIdParams,
  response: TenantSchema,
  errors: ['NOT_FOUND'],
})

export const myTenantRoute = defineRoute({
  operationId: 'getMyTenant',
  method: 'GET',
  path: '/v1/tenant',
  summary: "The caller's tenant: edition, limits, usage, status, expiry and URLs",
  tag,
  access: { scopes: ['tenant'], permission: 'tenant.read' },
  response: TenantSchema,
})

const who = (p: Principal | undefined) => p as Principal
const actor = (p: Principal | undefined, note?: string) => ({ actor: `account:${who(p).accountId}`, note })

export const routes = [
  bind(listPlansRoute, async () => ({ items: await listPlans() })),
  bind(listIndustriesRoute, async () => ({ items: await listIndustries() })),
  bind(createTenantRoute, async (req) => createTenant(req.body, actor(req.principal))),
  bind(listTenantsRoute, async (req) => listTenants(req.query)),
  bind(getTenantRoute, async (req) => getTenantView(req.params.tenantId, { includeReleased: true })),
  bind(freezeTenantRoute, async (req) =>
    freezeTenant(req.params.tenantId, 'manual', actor(req.principal, req.body.note)),
  ),
  bind(unfreezeTenantRoute, async (req) =>
    unfreezeTenant(req.params.tenantId, actor(req.principal, req.body.note)),
  ),
  bind(renewTenantRoute, async (req) =>
    renewTenant(req.params.tenantId, req.body.expiresAt, actor(req.principal)),
  ),
  bind(tenantHistoryRoute, async (req) => {
    await getTenantView(req.params.tenantId, { includeReleased: true })
    return listHistory(req.params.tenantId, req.query.limit, req.query.cursor)
  }),
  bind(industryTenantsRoute, async (req) =>
    listTenants({ ...req.query, industry: who(req.principal).industry }),
  ),
  bind(industryTenantRoute, async (req) =>
    getTenantView(req.params.tenantId, { industry: who(req.principal).industry }),
  ),
  bind(myTenantRoute, async (req) => getTenantView(who(req.principal).tenantId as string)),
]
