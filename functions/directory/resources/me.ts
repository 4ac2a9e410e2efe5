import { signedInAccess, tenantAccess } from '../../../lib/core/http/access.js'
import { route } from '../../../lib/core/http/route.js'
import { me, updateMe } from '../../../lib/directory/me.js'
import { MeSchema, UpdateMeBody } from '../../../lib/directory/schemas.js'

const tag = 'Personal centre'

export const meRoutes = [
  route({
    operationId: 'me',
    method: 'GET',
    path: '/v1/me',
    summary: 'The caller: login, realm and, in a workbench, their member profile',
    tag,
    access: signedInAccess(),
    response: MeSchema,
    handle: async (req) => me(req.caller),
  }),
  route({
    operationId: 'updateMe',
    method: 'PATCH',
    path: '/v1/me',
    summary: 'Edit my own profile in this workbench (name, mobile, e-mail)',
    tag,
    access: tenantAccess(),
    body: UpdateMeBody,
    response: MeSchema,
    errors: ['ALREADY_EXISTS'],
    handle: async (req) => updateMe(req.caller, req.tenant, req.body),
  }),
]
