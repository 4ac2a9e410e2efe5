import { AppIdParams, UserDataBody, UserDataSchema } from '../../lib/apps/schemas.js'
import { getUserData, setUserData } from '../../lib/apps/user-data.js'
import { publicAccess, tenantAccess } from '../../lib/core/http/access.js'
import { clientCredentials } from '../../lib/core/http/client-credentials.js'
import { route } from '../../lib/core/http/route.js'
import { getAttributeValues, setAttributeValues } from '../../lib/sso/attributes.js'
import { REFUSAL_ERRORS } from '../../lib/sso/identity.js'
import { exchangeCode, issueCode } from '../../lib/sso/light-app.js'
import {
  AppMemberParams,
  AttributeValuesBody,
  CodeExchangeBody,
  LightAppCodeSchema,
  MemberAttributesSchema,
  WorkbenchUserinfoSchema,
} from '../../lib/sso/schemas.js'

const apps = tenantAccess('apps.write')

/** What an app learns about a member: approved personal fields, extended attributes, light-app codes. */
export const identityRoutes = [
  route({
    operationId: 'getAppUserData',
    method: 'GET',
    path: '/v1/apps/{appId}/user-data',
    summary: 'The personal fields the app asks for, and those the workbench lets it receive',
    tag: 'Apps',
    access: apps,
    params: AppIdParams,
    response: UserDataSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getUserData(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'setAppUserData',
    method: 'PUT',
    path: '/v1/apps/{appId}/user-data',
    summary:
      'Let the app receive exactly these personal fields (of those it asks for; none by default); audited',
    tag: 'Apps',
    access: apps,
    params: AppIdParams,
    body: UserDataBody,
    response: UserDataSchema,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: async (req) => setUserData(req.tenant, req.params.appId, req.body.fields),
  }),
  route({
    operationId: 'getMemberAppAttributes',
    method: 'GET',
    path: '/v1/apps/{appId}/attributes/{memberId}',
    summary: "A member's values of the app's extended attributes",
    tag: 'Apps',
    access: apps,
    params: AppMemberParams,
    response: MemberAttributesSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getAttributeValues(req.tenant, req.params.appId, req.params.memberId),
  }),
  route({
    operationId: 'setMemberAppAttributes',
    method: 'PUT',
    path: '/v1/apps/{appId}/attributes/{memberId}',
    summary:
      "Set a member's values of the app's extended attributes (replacing them), checked against the app's definitions; they travel in every sign-in to the app",
    tag: 'Apps',
    access: apps,
    params: AppMemberParams,
    body: AttributeValuesBody,
    response: MemberAttributesSchema,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: async (req) =>
      setAttributeValues(req.tenant, req.params.appId, req.params.memberId, req.body.values),
  }),
  route({
    operationId: 'issueLightAppCode',
    method: 'POST',
    path: '/v1/me/apps/{appId}/code',
    summary:
      "A single-use code (60 s) that signs the caller in to a light app or mini-program: the app's backend exchanges it",
    tag: 'Single sign-on',
    access: tenantAccess(),
    params: AppIdParams,
    response: LightAppCodeSchema,
    status: 201,
    errors: [...REFUSAL_ERRORS, 'INVALID_STATE'],
    handle: async (req) => issueCode(req.tenant, req.params.appId),
  }),
  route({
    operationId: 'exchangeLightAppCode',
    method: 'POST',
    path: '/v1/apps/code/exchange',
    summary:
      "The app's backend exchanges a light-app code for the member (the workbench's userinfo shape); client credentials in the body or as HTTP Basic. The first attempt consumes the code",
    tag: 'Single sign-on',
    access: publicAccess,
    body: CodeExchangeBody,
    response: WorkbenchUserinfoSchema,
    errors: ['INVALID_CODE', 'INVALID_CLIENT', ...REFUSAL_ERRORS],
    handle: async (req) =>
      exchangeCode(clientCredentials(req.headers.authorization, req.body), req.body.code),
  }),
]
