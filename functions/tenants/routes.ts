import * as z from 'zod'
import { checkedTenantOf } from '../../lib/auth/session-check.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import { industryAccess, platformAccess, publicAccess, tenantAccess } from '../../lib/core/http/access.js'
import { route } from '../../lib/core/http/route.js'
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
  TenantSettingsBody,
} from '../../lib/tenants/schemas.js'
import { updateTenantSettings } from '../../lib/tenants/settings.js'
import { toTenantView } from '../../lib/tenants/views.js'

const tag = 'Tenants'
const platform = platformAccess()
const actor = (caller: { accountId: string }, note?: string) => ({
  actor: `account:${caller.accountId}`,
  note,
})

export const routes = [
  route({
    operationId: 'listPlans',
    method: 'GET',
    path: '/v1/plans',
    summary: 'The editions on offer and their limits',
    tag: 'Catalog',
    access: publicAccess,
    response: z.object({ items: z.array(PlanSchema) }),
    handle: async () => ({ items: await listPlans() }),
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
    summary: "The caller's tenant settings: the region national mobile numbers are read in",
    tag,
    access: tenantAccess('tenant.settings'),
    body: TenantSettingsBody,
    response: TenantSchema,
    errors: ['TENANT_FROZEN'],
    handle: async (req) => updateTenantSettings(req.tenant, req.body),
  }),
]
