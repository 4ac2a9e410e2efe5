import { routes as approvalRoutes } from '../functions/approvals/routes.js'
import { routes as appRoutes } from '../functions/apps/routes.js'
import { routes as authRoutes } from '../functions/auth/routes.js'
import { routes as calendarRoutes } from '../functions/calendar/routes.js'
import { routes as contentRoutes } from '../functions/content/routes.js'
import { routes as directoryRoutes } from '../functions/directory/routes.js'
import { routes as driveRoutes } from '../functions/drive/routes.js'
import { routes as marketplaceRoutes } from '../functions/marketplace/routes.js'
import { routes as mediaRoutes } from '../functions/media/routes.js'
import { routes as messageRoutes } from '../functions/messages/routes.js'
import { routes as metaRoutes } from '../functions/meta/routes.js'
import { routes as portalRoutes } from '../functions/portal/routes.js'
import { routes as provisioningRoutes } from '../functions/provisioning/routes.js'
import { routes as tenantRoutes } from '../functions/tenants/routes.js'
import { routes as todoRoutes } from '../functions/todos/routes.js'
import { buildOpenApi } from '../lib/core/http/openapi.js'

/** Every bound route of every function: the source of the OpenAPI document. */
export const allRoutes = () => [
  ...metaRoutes,
  ...authRoutes,
  ...tenantRoutes,
  ...mediaRoutes,
  ...portalRoutes,
  ...directoryRoutes,
  ...appRoutes,
  ...contentRoutes,
  ...provisioningRoutes,
  ...marketplaceRoutes,
  ...driveRoutes,
  ...messageRoutes,
  ...todoRoutes,
  ...calendarRoutes,
  ...approvalRoutes,
]

export const apiDocument = () => buildOpenApi(allRoutes(), { title: 'Atrium API', version: '1.0.0' })
