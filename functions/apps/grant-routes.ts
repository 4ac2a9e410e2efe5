import { explainEntitlement, listEntitled } from '../../lib/access/entitled.js'
import { grantApp, listGrants, revokeGrant } from '../../lib/access/grants.js'
import { myApps } from '../../lib/access/my-apps.js'
import {
  EntitledMemberParams,
  EntitledMemberSchema,
  EntitledQuery,
  EntitlementExplanationSchema,
  GrantBody,
  GrantIdParams,
  GrantResultSchema,
  GrantSchema,
  MyAppsSchema,
} from '../../lib/access/schemas.js'
import { AppIdParams } from '../../lib/apps/schemas.js'
import { checkedAppIdsOf } from '../../lib/auth/session-check.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import { tenantAccess } from '../../lib/core/http/access.js'
import { tenantSite } from '../../lib/core/http/origin.js'
import { route } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'

const tag = 'Access'
const grants = tenantAccess('grants.write')

/** Unified authorisation: who may use which app, why, and what a member may open. */
export const grantRoutes = [
  route({
    operationId: 'listGrants',
    method: 'GET',
    path: '/v1/apps/{appId}/grants',
    summary: "An app's rules: the members, departments and groups it is granted to, and those denied it",
    tag,
    access: grants,
    params: AppIdParams,
    query: PageQuery,
    response: page(GrantSchema),
    errors: ['NOT_FOUND'],
    handle: async (req) => listGrants(req.tenant, req.params.appId, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'grantApp',
    method: 'POST',
    path: '/v1/apps/{appId}/grants',
    summary:
      'Grant an app to members, departments (with or without those below) and groups, or deny it to members and departments; refused whole when it would leave someone without a seat',
    tag,
    access: grants,
    params: AppIdParams,
    body: GrantBody,
    response: GrantResultSchema,
    idempotent: true,
    errors: ['NOT_FOUND', 'SEAT_LIMIT_REACHED', 'FORBIDDEN', 'CONFLICT'],
    handle: async (req) => grantApp(req.tenant, req.params.appId, req.body),
  }),
  route({
    operationId: 'revokeGrant',
    method: 'DELETE',
    path: '/v1/apps/{appId}/grants/{grantId}',
    summary: 'Take a rule away; the seats it frees go to those waiting longest',
    tag,
    access: grants,
    params: GrantIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: (req) => revokeGrant(req.tenant, req.params.appId, req.params.grantId),
  }),
  route({
    operationId: 'listEntitled',
    method: 'GET',
    path: '/v1/apps/{appId}/entitled',
    summary: 'Who can use an app (or, with state=waiting, who waits for a seat, longest first)',
    tag,
    access: grants,
    params: AppIdParams,
    query: EntitledQuery,
    response: page(EntitledMemberSchema),
    errors: ['NOT_FOUND'],
    handle: async (req) => listEntitled(req.tenant, req.params.appId, req.query),
  }),
  route({
    operationId: 'explainEntitlement',
    method: 'GET',
    path: '/v1/apps/{appId}/entitled/{memberId}',
    summary: 'Why a member can or cannot use an app: the rules and memberships that say so',
    tag,
    access: grants,
    params: EntitledMemberParams,
    response: EntitlementExplanationSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => explainEntitlement(req.tenant, req.params.appId, req.params.memberId),
  }),
  route({
    operationId: 'myApps',
    method: 'GET',
    path: '/v1/me/apps',
    summary: 'The apps the caller can open, with their groups, icons and where they start',
    tag,
    access: tenantAccess(),
    response: MyAppsSchema,
    handle: async (req) =>
      myApps(
        req.tenant,
        req.tenant.actor.accountId,
        tenantSite(req.headers, req.tenant.code),
        checkedAppIdsOf(req.caller),
      ),
  }),
]
