import { tenantAccess } from '../../lib/core/http/access.js'
import { tenantSite } from '../../lib/core/http/origin.js'
import { route } from '../../lib/core/http/route.js'
import { memberHome } from '../../lib/home/home.js'
import { HomeQuery, HomeSchema } from '../../lib/home/schemas.js'

export const homeRoutes = [
  route({
    operationId: 'myHome',
    method: 'GET',
    path: '/v1/me/home',
    summary:
      "The caller's home page in one call: their apps, today's schedule, open todos, the latest news, unread announcements and the web portal",
    tag: 'Portals',
    access: tenantAccess(),
    query: HomeQuery,
    response: HomeSchema,
    handle: (req) => memberHome(req.caller, tenantSite(req.headers, req.tenant.code), req.query.timeZone),
  }),
]
