import { AppIdParams } from '../../lib/apps/schemas.js'
import { platformAccess, tenantAccess } from '../../lib/core/http/access.js'
import { route } from '../../lib/core/http/route.js'
import { getCatalogProvider, putCatalogProvider } from '../../lib/provisioning/catalog-provider.js'
import { testConnection } from '../../lib/provisioning/connection-test.js'
import {
  ProvisioningBody,
  ProvisioningSchema,
  ProvisioningStatusSchema,
  ProvisioningTestSchema,
} from '../../lib/provisioning/schemas.js'
import {
  getProvisioning,
  provisioningStatus,
  putProvisioning,
  resync,
  retryNow,
} from '../../lib/provisioning/settings.js'

const tag = 'Provisioning'
const apps = tenantAccess('apps.write')

/** How each app's provider is kept in step with the tenant: its setting, its queue's state, resync, retry. */
export const routes = [
  route({
    operationId: 'getAppProvisioning',
    method: 'GET',
    path: '/v1/apps/{appId}/provisioning',
    summary: "How the app's provider is kept in step (its access key shown as a hint only)",
    tag,
    access: apps,
    params: AppIdParams,
    response: ProvisioningSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getProvisioning(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'setAppProvisioning',
    method: 'PUT',
    path: '/v1/apps/{appId}/provisioning',
    summary:
      "Bind the app's provider (workbench sync v2 or v1, or SCIM 2.0), change its endpoint or key, or unbind it (none); audited",
    tag,
    access: apps,
    params: AppIdParams,
    body: ProvisioningBody,
    response: ProvisioningSchema,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: async (req) => putProvisioning(req.tenant, req.params.appId, req.body),
  }),
  route({
    operationId: 'getAppProvisioningStatus',
    method: 'GET',
    path: '/v1/apps/{appId}/provisioning/status',
    summary:
      "The provider's sync state: last success, deliveries waiting, the failure it is retrying or parked on",
    tag,
    access: apps,
    params: AppIdParams,
    response: ProvisioningStatusSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => provisioningStatus(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'resyncAppProvisioning',
    method: 'POST',
    path: '/v1/apps/{appId}/provisioning/resync',
    summary: 'Send the provider everything again: the tenant, the credentials, the departments, the members',
    tag,
    access: apps,
    params: AppIdParams,
    response: ProvisioningStatusSchema,
    status: 202,
    errors: ['NOT_FOUND', 'CONFLICT', 'INVALID_STATE'],
    handle: async (req) => resync(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'retryAppProvisioning',
    method: 'POST',
    path: '/v1/apps/{appId}/provisioning/retry',
    summary: 'Try a parked (or waiting) delivery again now, with a fresh count of attempts',
    tag,
    access: apps,
    params: AppIdParams,
    response: ProvisioningStatusSchema,
    status: 202,
    errors: ['NOT_FOUND', 'CONFLICT', 'INVALID_STATE'],
    handle: async (req) => retryNow(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'testAppProvisioning',
    method: 'POST',
    path: '/v1/apps/{appId}/provisioning/test',
    summary:
      "Test the provider's connection: a tenant and a credential marked as test data; says which OAEP profile the provider opens",
    tag,
    access: apps,
    params: AppIdParams,
    response: ProvisioningTestSchema,
    errors: ['NOT_FOUND', 'INVALID_STATE'],
    handle: async (req) => testConnection(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'getCatalogAppProvisioning',
    method: 'GET',
    path: '/v1/platform/apps/{appId}/provisioning',
    summary:
      "A subscribed app's vendor: every workbench that orders the app is bound to it (its key shown as a hint only)",
    tag,
    access: platformAccess(),
    params: AppIdParams,
    response: ProvisioningSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getCatalogProvider(req.params.appId),
  }),
  route({
    operationId: 'setCatalogAppProvisioning',
    method: 'PUT',
    path: '/v1/platform/apps/{appId}/provisioning',
    summary:
      "Set a subscribed app's vendor (workbench sync v2 or v1, or SCIM 2.0), or remove it (none): workbenches that order the app from then on are bound to it",
    tag,
    access: platformAccess(),
    params: AppIdParams,
    body: ProvisioningBody,
    response: ProvisioningSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => putCatalogProvider(req.params.appId, req.body),
  }),
]
