import { PageQuery, page } from '../../../lib/core/db/pagination.js'
import { tenantAccess } from '../../../lib/core/http/access.js'
import { route } from '../../../lib/core/http/route.js'
import { NoContent } from '../../../lib/core/http/schemas.js'
import {
  addGroupMembers,
  createGroup,
  deleteGroup,
  getGroup,
  groupMembersPage,
  listGroups,
  removeGroupMember,
  renameGroup,
} from '../../../lib/directory/groups.js'
import {
  GroupBody,
  GroupIdParams,
  GroupMemberParams,
  GroupMembersBody,
  GroupSchema,
  IdPage,
} from '../../../lib/directory/schemas.js'

const tag = 'Directory'
const read = tenantAccess('members.read')
const write = tenantAccess('groups.write')

export const groupRoutes = [
  route({
    operationId: 'listGroups',
    method: 'GET',
    path: '/v1/groups',
    summary: 'The user groups of the workbench',
    tag,
    access: read,
    query: PageQuery,
    response: page(GroupSchema),
    handle: async (req) => listGroups(req.tenant, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'getGroup',
    method: 'GET',
    path: '/v1/groups/{groupId}',
    summary: 'One user group',
    tag,
    access: read,
    params: GroupIdParams,
    response: GroupSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getGroup(req.tenant, req.params.groupId),
  }),
  route({
    operationId: 'createGroup',
    method: 'POST',
    path: '/v1/groups',
    summary: 'Create a user group',
    tag,
    access: write,
    body: GroupBody,
    response: GroupSchema,
    status: 201,
    idempotent: true,
    handle: async (req) => createGroup(req.tenant, req.body.name),
  }),
  route({
    operationId: 'renameGroup',
    method: 'PATCH',
    path: '/v1/groups/{groupId}',
    summary: 'Rename a user group',
    tag,
    access: write,
    params: GroupIdParams,
    body: GroupBody,
    response: GroupSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => renameGroup(req.tenant, req.params.groupId, req.body.name),
  }),
  route({
    operationId: 'deleteGroup',
    method: 'DELETE',
    path: '/v1/groups/{groupId}',
    summary: 'Delete a user group (its members stay in the workbench)',
    tag,
    access: write,
    params: GroupIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND'],
    handle: async (req) => {
      await deleteGroup(req.tenant, req.params.groupId)
      return undefined
    },
  }),
  route({
    operationId: 'groupMembers',
    method: 'GET',
    path: '/v1/groups/{groupId}/members',
    summary: 'The member ids of a group',
    tag,
    access: read,
    params: GroupIdParams,
    query: PageQuery,
    response: IdPage,
    errors: ['NOT_FOUND'],
    handle: async (req) =>
      groupMembersPage(req.tenant, req.params.groupId, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'addGroupMembers',
    method: 'POST',
    path: '/v1/groups/{groupId}/members',
    summary: 'Add members to a group (up to 25 a call)',
    tag,
    access: write,
    params: GroupIdParams,
    body: GroupMembersBody,
    response: GroupSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => addGroupMembers(req.tenant, req.params.groupId, req.body.memberIds),
  }),
  route({
    operationId: 'removeGroupMember',
    method: 'DELETE',
    path: '/v1/groups/{groupId}/members/{memberId}',
    summary: 'Take a member out of a group',
    tag,
    access: write,
    params: GroupMemberParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND'],
    handle: async (req) => {
      await removeGroupMember(req.tenant, req.params.groupId, req.params.memberId)
      return undefined
    },
  }),
]
