import * as z from 'zod'
import { deleteApp, getApp, listApps, registerApp, rotateSecret, updateApp } from '../../lib/apps/registry.js'
import {
  AppGroupBody,
  AppGroupIdParams,
  AppGroupList,
  AppGroupSchema,
  AppIdParams,
  AppSchema,
  CatalogEntrySchema,
  ClientSecretSchema,
  PreinstalledAppsBody,
  RegisterAppBody,
  RegisteredAppSchema,
  UpdateAppBody,
} from '../../lib/apps/schemas.js'
import { createAppGroup, deleteAppGroup, listAppGroups, updateAppGroup } from '../../lib/apps/shelf.js'
import { catalogForTenant } from '../../lib/apps/tenant-catalog.js'
import { checkedTenantOf } from '../../lib/auth/session-check.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import { notFound } from '../../lib/core/errors.js'
import { industryAccess, platformAccess, tenantAccess } from '../../lib/core/http/access.js'
import { route } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'
import { AppCode, CatalogAppBody, CatalogAppSchema } from '../../lib/platform/app-schemas.js'
import { getIndustry, setPreinstalledApps, setStoreApps } from '../../lib/platform/catalog.js'
import { listCatalogApps, putCatalogApp } from '../../lib/platform/catalog-apps.js'
import { IndustrySchema } from '../../lib/platform/schemas.js'
import { sealForProvider } from '../../lib/provisioning/settings.js'
import { grantRoutes } from './grant-routes.js'
import { identityRoutes } from './identity-routes.js'

const tag = 'Apps'
const apps = tenantAccess('apps.write')

const tenantRoutes = [
  route({
    operationId: 'listApps',
    method: 'GET',
    path: '/v1/apps',
    summary: "The workbench's apps: built-in, preinstalled, bought and its own, with status and licence",
    tag,
    access: apps,
    query: PageQuery,
    response: page(AppSchema),
    handle: async (req) => listApps(req.tenant, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'registerApp',
    method: 'POST',
    path: '/v1/apps',
    summary:
      "Register the workbench's own app (its SSO protocol, redirect URIs or CAS services, attributes, the fields it asks for); its client secret is shown once",
    tag,
    access: apps,
    body: RegisterAppBody,
    response: RegisteredAppSchema,
    status: 201,
    idempotent: true,
    handle: async (req) => registerApp(req.tenant, req.body),
  }),
  route({
    operationId: 'getApp',
    method: 'GET',
    path: '/v1/apps/{appId}',
    summary: 'One app of the workbench',
    tag,
    access: apps,
    params: AppIdParams,
    response: AppSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getApp(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'updateApp',
    method: 'PATCH',
    path: '/v1/apps/{appId}',
    summary: "Switch an app on or off, place it in an app group; change the workbench's own app's definition",
    tag,
    access: apps,
    params: AppIdParams,
    body: UpdateAppBody,
    response: AppSchema,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: async (req) => updateApp(req.tenant, req.params.appId, req.body),
  }),
  route({
    operationId: 'deleteApp',
    method: 'DELETE',
    path: '/v1/apps/{appId}',
    summary: "Delete the workbench's own app (catalog apps are switched off instead)",
    tag,
    access: apps,
    params: AppIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND', 'INVALID_STATE'],
    handle: (req) => deleteApp(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'rotateAppSecret',
    method: 'POST',
    path: '/v1/apps/{appId}/secret',
    summary: 'A new client secret for the app (shown once; the old one stops working at once)',
    tag,
    access: apps,
    params: AppIdParams,
    response: ClientSecretSchema,
    errors: ['NOT_FOUND', 'INVALID_STATE'],
    // a bound provider gets the new secret too, sealed for it, in the same transaction
    handle: async (req) =>
      rotateSecret(req.tenant, req.params.appId, sealForProvider(req.tenant, req.params.appId)),
  }),
  route({
    operationId: 'listAppGroups',
    method: 'GET',
    path: '/v1/app-groups',
    summary: 'The app groups the workbench shows its apps in (at most 100), in display order',
    tag,
    access: apps,
    response: AppGroupList,
    handle: async (req) => listAppGroups(req.tenant),
  }),
  route({
    operationId: 'createAppGroup',
    method: 'POST',
    path: '/v1/app-groups',
    summary: 'Create an app group',
    tag,
    access: apps,
    body: AppGroupBody,
    response: AppGroupSchema,
    status: 201,
    idempotent: true,
    errors: ['INVALID_STATE'],
    handle: async (req) => createAppGroup(req.tenant, req.body),
  }),
  route({
    operationId: 'updateAppGroup',
    method: 'PATCH',
    path: '/v1/app-groups/{groupId}',
    summary: 'Rename or reorder an app group',
    tag,
    access: apps,
    params: AppGroupIdParams,
    body: AppGroupBody,
    response: AppGroupSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => updateAppGroup(req.tenant, req.params.groupId, req.body),
  }),
  route({
    operationId: 'deleteAppGroup',
    method: 'DELETE',
    path: '/v1/app-groups/{groupId}',
    summary: 'Delete an app group (its apps stay, outside any group)',
    tag,
    access: apps,
    params: AppGroupIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND'],
    handle: (req) => deleteAppGroup(req.tenant, req.params.groupId),
  }),
  route({
    operationId: 'tenantCatalog',
    method: 'GET',
    path: '/v1/catalog/apps',
    summary:
      'The catalog apps the workbench may use or buy, with the skus to buy them and whether it has them',
    tag,
    access: apps,
    response: z.object({ items: z.array(CatalogEntrySchema) }),
    handle: async (req) => catalogForTenant(req.tenant, checkedTenantOf(req.caller)?.industry),
  }),
]

/** A catalog app an industry may preinstall: ours, or one the platform lists as preinstalled. */
/** The industry admin's own industry. */
const industryOf = async (code: string) => {
  const industry = await getIndustry(code)
  if (!industry) throw notFound('industry')
  return industry
}

const platformRoutes = [
  route({
    operationId: 'industryPreinstalledApps',
    method: 'GET',
    path: '/v1/industry/apps',
    summary: "The apps every new tenant of the caller's industry gets beyond its edition's",
    tag,
    access: industryAccess(),
    response: IndustrySchema,
    handle: async (req) => industryOf(req.caller.industry),
  }),
  route({
    operationId: 'setIndustryPreinstalledApps',
    method: 'PUT',
    path: '/v1/industry/apps',
    summary:
      "Set the apps every new tenant of the caller's industry gets (tenants opened before keep theirs)",
    tag,
    access: industryAccess(),
    body: PreinstalledAppsBody,
    response: IndustrySchema,
    handle: async (req) => setPreinstalledApps(await industryOf(req.caller.industry), req.body.appIds),
  }),
  route({
    operationId: 'setIndustryStoreApps',
    method: 'PUT',
    path: '/v1/industry/apps/store',
    summary:
      "Set the subscribed apps the caller's industry's tenants see in their catalog and may order (GET /v1/industry/apps shows it)",
    tag,
    access: industryAccess(),
    body: PreinstalledAppsBody,
    response: IndustrySchema,
    handle: async (req) => setStoreApps(await industryOf(req.caller.industry), req.body.appIds),
  }),
  route({
    operationId: 'platformCatalogApps',
    method: 'GET',
    path: '/v1/platform/apps',
    summary: 'The app catalog: built-in, preinstallable and subscribable apps',
    tag,
    access: platformAccess(),
    response: z.object({ items: z.array(CatalogAppSchema) }),
    handle: async () => ({ items: await listCatalogApps() }),
  }),
  route({
    operationId: 'putPlatformCatalogApp',
    method: 'PUT',
    path: '/v1/platform/apps/{appId}',
    summary: 'Add an app to the catalog, or change one (tenants see the change at once)',
    tag,
    access: platformAccess(),
    params: z.object({ appId: AppCode }),
    body: CatalogAppBody,
    response: CatalogAppSchema,
    handle: async (req) => putCatalogApp({ ...req.body, code: req.params.appId }),
  }),
]

export const routes = [...tenantRoutes, ...grantRoutes, ...identityRoutes, ...platformRoutes]
