import { checkedTenantOf } from '../../lib/auth/session-check.js'
import type { TenantCaller } from '../../lib/core/auth/caller.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import { notFound } from '../../lib/core/errors.js'
import { type Access, industryAccess, platformAccess, tenantAccess } from '../../lib/core/http/access.js'
import { type LevelName, ownLevel } from '../../lib/core/http/own-level.js'
import { type CallerFor, route } from '../../lib/core/http/route.js'
import type { TenantContext } from '../../lib/core/tenancy.js'
import { memberPortal } from '../../lib/portal/member-portal.js'
import {
  listVersions,
  type PortalTarget,
  portalView,
  publishDraft,
  resetTenantPortal,
  rollback,
  saveDraft,
} from '../../lib/portal/portals.js'
import {
  ChannelParams,
  ChannelQuery,
  MemberPortalSchema,
  PortalSchema,
  PortalVersionSchema,
  PortalViewSchema,
  RollbackBody,
} from '../../lib/portal/schemas.js'
import { findTenant } from '../../lib/tenants/queries.js'
import { homeRoutes } from './home-routes.js'
import { noticeRoutes } from './notice-routes.js'

const tag = 'Portals'

/** The caller's tenant as the session check read it (its industry, its edition's limits). */
const tenantRecord = async (req: { caller: TenantCaller; tenant: TenantContext }) => {
  const t = checkedTenantOf(req.caller) ?? (await findTenant(req.tenant.tenantId))
  if (!t) throw notFound('tenant')
  return t
}

const tenantTarget = async (req: { caller: TenantCaller; tenant: TenantContext }) => {
  const t = await tenantRecord(req)
  return {
    level: 'tenant',
    tenantId: req.tenant.tenantId,
    industry: t.industry,
    customisable: t.limits.customPortal,
  } as const
}

const WHOSE = {
  platform: "the platform's default portal",
  industry: "the caller's industry's portal template",
  tenant: "the caller's tenant's portal",
} as const

/**
 * A level's portal for one channel, always the caller's own level (from the token): read it with
 * what it inherits, save a draft, publish it, roll back, list the versions.
 */
const portalRoutes = <A extends Access>(
  level: LevelName,
  access: A,
  targetOf: (req: CallerFor<A>) => PortalTarget | Promise<PortalTarget>,
) => {
  const { base, name, who, actorOf } = ownLevel(level, access, WHOSE)
  const path = `${base}/portals/{channel}`
  const edition = level === 'tenant' ? (['PORTAL_NOT_IN_EDITION'] as const) : []
  return [
    route({
      operationId: `get${name}Portal`,
      method: 'GET',
      path,
      summary: `${who} for a channel: its draft, its published version, and what its members see and where that comes from`,
      tag,
      access,
      params: ChannelParams,
      response: PortalViewSchema,
      handle: async (req) => portalView(await targetOf(req), req.params.channel),
    }),
    route({
      operationId: `save${name}PortalDraft`,
      method: 'PUT',
      path: `${path}/draft`,
      summary: `Replace the draft of ${who} (members see it once published)`,
      tag,
      access,
      params: ChannelParams,
      body: PortalSchema,
      response: PortalViewSchema,
      errors: edition,
      handle: async (req) => saveDraft(await targetOf(req), req.params.channel, req.body, actorOf(req)),
    }),
    route({
      operationId: `publish${name}Portal`,
      method: 'POST',
      path: `${path}/publish`,
      summary: `Publish the draft of ${who} as its next version`,
      tag,
      access,
      params: ChannelParams,
      response: PortalViewSchema,
      errors: ['INVALID_STATE', 'CONFLICT', ...edition],
      handle: async (req) => publishDraft(await targetOf(req), req.params.channel, actorOf(req)),
    }),
    route({
      operationId: `rollback${name}Portal`,
      method: 'POST',
      path: `${path}/rollback`,
      summary: `Publish again an earlier version of ${who} (default: the one before the version now live), as a new version`,
      tag,
      access,
      params: ChannelParams,
      body: RollbackBody,
      response: PortalViewSchema,
      errors: ['INVALID_STATE', 'CONFLICT', ...edition],
      handle: async (req) =>
        rollback(await targetOf(req), req.params.channel, actorOf(req), req.body.toVersion),
    }),
    route({
      operationId: `list${name}PortalVersions`,
      method: 'GET',
      path: `${path}/versions`,
      summary: `The published versions of ${who}, newest first`,
      tag,
      access,
      params: ChannelParams,
      query: PageQuery,
      response: page(PortalVersionSchema),
      handle: async (req) =>
        listVersions(await targetOf(req), req.params.channel, req.query.limit, req.query.cursor),
    }),
  ]
}

// portal.write: the permission for how the workbench looks (its portal and its sign-in page)
const tenantAdmin = tenantAccess('portal.write')

export const routes = [
  ...portalRoutes('platform', platformAccess(), () => ({ level: 'platform' })),
  ...portalRoutes('industry', industryAccess(), (req) => ({
    level: 'industry',
    industry: req.caller.industry,
  })),
  ...portalRoutes('tenant', tenantAdmin, tenantTarget),
  route({
    operationId: 'resetTenantPortal',
    method: 'POST',
    path: '/v1/tenant/portals/{channel}/reset',
    summary:
      "Drop the tenant's own portal for a channel (draft and published): it shows its industry's again",
    tag,
    access: tenantAdmin,
    params: ChannelParams,
    response: PortalViewSchema,
    handle: async (req) =>
      resetTenantPortal(await tenantTarget(req), req.params.channel, req.tenant.actor.accountId),
  }),
  route({
    operationId: 'myPortal',
    method: 'GET',
    path: '/v1/me/portal',
    summary:
      "The portal the caller's front end renders for a channel: the tenant's published one, else its industry's, else the platform's, without what the caller may not see",
    tag,
    access: tenantAccess(),
    query: ChannelQuery,
    response: MemberPortalSchema,
    handle: async (req) => {
      const t = await tenantRecord(req)
      return memberPortal(
        {
          tenantId: req.tenant.tenantId,
          memberId: req.tenant.actor.accountId,
          industry: t.industry,
          customPortal: t.limits.customPortal,
        },
        req.query.channel,
      )
    },
  }),
  ...homeRoutes,
  ...noticeRoutes,
]
