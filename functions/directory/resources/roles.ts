import * as z from 'zod'
import { PERMISSIONS } from '../../../lib/core/auth/permissions.js'
import { PageQuery, page } from '../../../lib/core/db/pagination.js'
import { tenantAccess } from '../../../lib/core/http/access.js'
import { route } from '../../../lib/core/http/route.js'
import { NoContent } from '../../../lib/core/http/schemas.js'
import { MemberIdParams } from '../../../lib/directory/member-params.js'
import {
  assignRoles,
  createRole,
  deleteRole,
  getRole,
  listRoles,
  updateRole,
} from '../../../lib/directory/roles.js'
import {
  AssignRolesBody,
  CreateRoleBody,
  MemberRolesSchema,
  RoleIdParams,
  RoleSchema,
  UpdateRoleBody,
} from '../../../lib/directory/schemas.js'

const tag = 'Directory'
const roles = tenantAccess('roles.write')

export const roleRoutes = [
  route({
    operationId: 'listRoles',
    method: 'GET',
    path: '/v1/roles',
    summary: 'The custom roles of the workbench',
    tag,
    access: roles,
    query: PageQuery,
    response: page(RoleSchema),
    handle: async (req) => listRoles(req.tenant, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'permissionCatalog',
    method: 'GET',
    path: '/v1/permissions',
    summary: 'The admin permissions roles are made of',
    tag,
    access: roles,
    response: z.object({ items: z.array(z.string()) }),
    handle: async () => ({ items: [...PERMISSIONS] }),
  }),
  route({
    operationId: 'getRole',
    method: 'GET',
    path: '/v1/roles/{roleId}',
    summary: 'One role',
    tag,
    access: roles,
    params: RoleIdParams,
    response: RoleSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getRole(req.tenant, req.params.roleId),
  }),
  route({
    operationId: 'createRole',
    method: 'POST',
    path: '/v1/roles',
    summary: 'Create a role from the permission catalog (only permissions the caller holds)',
    tag,
    access: roles,
    body: CreateRoleBody,
    response: RoleSchema,
    status: 201,
    idempotent: true,
    handle: async (req) => createRole(req.tenant, req.body),
  }),
  route({
    operationId: 'updateRole',
    method: 'PATCH',
    path: '/v1/roles/{roleId}',
    summary:
      "Rename a role or change its permissions (its holders' permissions follow with their next token)",
    tag,
    access: roles,
    params: RoleIdParams,
    body: UpdateRoleBody,
    response: RoleSchema,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: async (req) => updateRole(req.tenant, req.params.roleId, req.body),
  }),
  route({
    operationId: 'deleteRole',
    method: 'DELETE',
    path: '/v1/roles/{roleId}',
    summary: 'Delete a role nobody holds',
    tag,
    access: roles,
    params: RoleIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND', 'INVALID_STATE'],
    handle: (req) => deleteRole(req.tenant, req.params.roleId),
  }),
  route({
    operationId: 'setMemberRoles',
    method: 'PUT',
    path: '/v1/members/{memberId}/roles',
    summary: 'Give a member exactly these roles: they become a business administrator with their permissions',
    tag,
    access: roles,
    params: MemberIdParams,
    body: AssignRolesBody,
    response: MemberRolesSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => assignRoles(req.tenant, req.params.memberId, req.body.roleIds),
  }),
]
