import * as z from 'zod'
import { PERMISSIONS } from '../../lib/core/auth/permissions.js'
import type { Principal } from '../../lib/core/auth/principal.js'
import { PageQuery, page } from '../../lib/core/db/pagination.js'
import { bind, defineRoute } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'
import { listAudit } from '../../lib/directory/audit.js'
import { importDepartments } from '../../lib/directory/department-import.js'
import { removeDepartment } from '../../lib/directory/department-removal.js'
import {
  createDepartment,
  departmentTree,
  moveDepartment,
  updateDepartment,
} from '../../lib/directory/departments.js'
import {
  addGroupMembers,
  createGroup,
  deleteGroup,
  listGroupMembers,
  listGroups,
  memberGroups,
  removeGroupMember,
  renameGroup,
} from '../../lib/directory/groups.js'
import {
  createInvitation,
  decideJoinRequest,
  invitationQr,
  listInvitations,
  listJoinRequests,
  redeemAsMe,
  redeemAsNewPerson,
  revokeInvitation,
} from '../../lib/directory/invitations.js'
import { me, updateMe } from '../../lib/directory/me.js'
import { exportMembers } from '../../lib/directory/member-export.js'
import { importMembers } from '../../lib/directory/member-import.js'
import {
  addMember,
  getMember,
  listMembers,
  removeMember,
  resetMemberPassword,
  setMemberDepartments,
  setMemberStatus,
  updateMember,
} from '../../lib/directory/members.js'
import { assignRoles, createRole, deleteRole, listRoles, updateRole } from '../../lib/directory/roles.js'
import {
  AddedMemberSchema,
  AddMemberBody,
  AssignRolesBody,
  AuditEntrySchema,
  CreateDepartmentBody,
  CreateInvitationBody,
  CreateRoleBody,
  DepartmentImportReportSchema,
  DepartmentSchema,
  DeptIdParams,
  GroupBody,
  GroupIdParams,
  GroupMemberParams,
  GroupMembersBody,
  GroupSchema,
  ImportBody,
  ImportReportSchema,
  InvitationSchema,
  InviteIdParams,
  JoinBody,
  JoinRequestSchema,
  ListMembersQuery,
  MemberIdParams,
  MemberRolesSchema,
  MemberSchema,
  MeSchema,
  MoveDepartmentBody,
  RedeemBody,
  RedeemedSchema,
  RequestIdParams,
  RoleIdParams,
  RoleSchema,
  SetDepartmentsBody,
  UpdateDepartmentBody,
  UpdateMeBody,
  UpdateMemberBody,
  UpdateRoleBody,
} from '../../lib/directory/schemas.js'

const tag = 'Directory'
const read = { scopes: ['tenant'], permission: 'members.read' } as const
const write = { scopes: ['tenant'], permission: 'members.write' } as const

export const addMemberRoute = defineRoute({
  operationId: 'addMember',
  method: 'POST',
  path: '/v1/members',
  summary:
    'Add a member: creates their login (one-time password, shown once) or links their existing account',
  tag,
  access: write,
  body: AddMemberBody,
  response: AddedMemberSchema,
  status: 201,
  idempotent: true,
  errors: ['SEAT_LIMIT_REACHED', 'ALREADY_EXISTS', 'TENANT_FROZEN'],
})

export const listMembersRoute = defineRoute({
  operationId: 'listMembers',
  method: 'GET',
  path: '/v1/members',
  summary: 'Members of the workbench, by status; `q` finds exact mobile numbers, e-mail addresses or names',
  tag,
  access: read,
  query: ListMembersQuery,
  response: page(MemberSchema),
})

export const getMemberRoute = defineRoute({
  operationId: 'getMember',
  method: 'GET',
  path: '/v1/members/{memberId}',
  summary: 'One member',
  tag,
  access: read,
  params: MemberIdParams,
  response: MemberSchema,
  errors: ['NOT_FOUND'],
})

export const updateMemberRoute = defineRoute({
  operationId: 'updateMember',
  method: 'PATCH',
  path: '/v1/members/{memberId}',
  summary: "Change a member's name, contact fields or employee number (null clears a field)",
  tag,
  access: write,
  params: MemberIdParams,
  body: UpdateMemberBody,
  response: MemberSchema,
  errors: ['NOT_FOUND', 'ALREADY_EXISTS'],
})

const statusRoute = (status: 'active' | 'disabled') =>
  defineRoute({
    operationId: status === 'active' ? 'enableMember' : 'disableMember',
    method: 'POST',
    path: `/v1/members/{memberId}/${status === 'active' ? 'enable' : 'disable'}`,
    summary:
      status === 'active'
        ? 'Let a disabled member in again'
        : 'Stop a member from logging in (the seat stays taken)',
    tag,
    access: write,
    params: MemberIdParams,
    response: MemberSchema,
    errors: ['NOT_FOUND'],
  })

export const enableMemberRoute = statusRoute('active')
export const disableMemberRoute = statusRoute('disabled')

export const removeMemberRoute = defineRoute({
  operationId: 'removeMember',
  method: 'DELETE',
  path: '/v1/members/{memberId}',
  summary: 'Remove a member from the workbench and free the seat',
  tag,
  access: write,
  params: MemberIdParams,
  response: NoContent,
  status: 204,
  errors: ['NOT_FOUND'],
})

export const resetPasswordRoute = defineRoute({
  operationId: 'resetMemberPassword',
  method: 'POST',
  path: '/v1/members/{memberId}/reset-password',
  summary: 'Give a member a new one-time password (shown once)',
  tag,
  access: write,
  params: MemberIdParams,
  response: z.object({ initialPassword: z.string() }),
  errors: ['NOT_FOUND', 'INVALID_STATE'],
})

export const auditRoute = defineRoute({
  operationId: 'tenantAudit',
  method: 'GET',
  path: '/v1/tenant/audit',
  summary: 'Admin actions on the directory, newest first (people are referenced by id)',
  tag,
  access: { scopes: ['tenant'], permission: 'audit.read' },
  query: PageQuery,
  response: page(AuditEntrySchema),
})

const roles = { scopes: ['tenant'], permission: 'roles.write' } as const

export const listRolesRoute = defineRoute({
  operationId: 'listRoles',
  method: 'GET',
  path: '/v1/roles',
  summary: 'The custom roles of the workbench, and the permission catalog they draw from',
  tag,
  access: roles,
  response: z.object({ items: z.array(RoleSchema), catalog: z.array(z.string()) }),
})

export const createRoleRoute = defineRoute({
  operationId: 'createRole',
  method: 'POST',
  path: '/v1/roles',
  summary: 'Create a role from the permission catalog (only permissions the caller holds)',
  tag,
  access: roles,
  body: CreateRoleBody,
  response: RoleSchema,
  status: 201,
})

export const updateRoleRoute = defineRoute({
  operationId: 'updateRole',
  method: 'PATCH',
  path: '/v1/roles/{roleId}',
  summary: "Rename a role or change its permissions (its holders' permissions follow)",
  tag,
  access: roles,
  params: RoleIdParams,
  body: UpdateRoleBody,
  response: RoleSchema,
  errors: ['NOT_FOUND'],
})

export const deleteRoleRoute = defineRoute({
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
})

export const assignRolesRoute = defineRoute({
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
})

const departments = { scopes: ['tenant'], permission: 'departments.write' } as const

export const departmentTreeRoute = defineRoute({
  operationId: 'departmentTree',
  method: 'GET',
  path: '/v1/departments',
  summary: 'The department tree (one read, however many departments)',
  tag,
  access: read,
  response: z.object({ items: z.array(DepartmentSchema) }),
})

export const createDepartmentRoute = defineRoute({
  operationId: 'createDepartment',
  method: 'POST',
  path: '/v1/departments',
  summary: 'Create a department, at the top or under a parent',
  tag,
  access: departments,
  body: CreateDepartmentBody,
  response: DepartmentSchema,
  status: 201,
})

export const updateDepartmentRoute = defineRoute({
  operationId: 'updateDepartment',
  method: 'PATCH',
  path: '/v1/departments/{deptId}',
  summary: 'Rename a department, order it among its siblings, set its head (a member of it)',
  tag,
  access: departments,
  params: DeptIdParams,
  body: UpdateDepartmentBody,
  response: NoContent,
  status: 204,
  errors: ['NOT_FOUND'],
})

export const moveDepartmentRoute = defineRoute({
  operationId: 'moveDepartment',
  method: 'POST',
  path: '/v1/departments/{deptId}/move',
  summary: 'Move a department with everything below it (never under itself or a descendant)',
  tag,
  access: departments,
  params: DeptIdParams,
  body: MoveDepartmentBody,
  response: NoContent,
  status: 204,
  errors: ['NOT_FOUND'],
})

export const deleteDepartmentRoute = defineRoute({
  operationId: 'deleteDepartment',
  method: 'DELETE',
  path: '/v1/departments/{deptId}',
  summary:
    'Delete a department: an empty one, or with moveTo, after moving its sub-departments and members there',
  tag,
  access: departments,
  params: DeptIdParams,
  query: z.object({
    moveTo: z
      .string()
      .regex(/^[0-9a-z]{10,40}$/, 'not a department id')
      .optional(),
  }),
  response: NoContent,
  status: 204,
  errors: ['NOT_FOUND', 'INVALID_STATE'],
})

export const setDepartmentsRoute = defineRoute({
  operationId: 'setMemberDepartments',
  method: 'PUT',
  path: '/v1/members/{memberId}/departments',
  summary: 'Put a member in exactly these departments',
  tag,
  access: write,
  params: MemberIdParams,
  body: SetDepartmentsBody,
  response: MemberSchema,
  errors: ['NOT_FOUND'],
})

const groups = { scopes: ['tenant'], permission: 'groups.write' } as const
const Ids = z.object({ items: z.array(z.string()) })

export const listGroupsRoute = defineRoute({
  operationId: 'listGroups',
  method: 'GET',
  path: '/v1/groups',
  summary: 'The user groups of the workbench',
  tag,
  access: read,
  response: z.object({ items: z.array(GroupSchema) }),
})

export const createGroupRoute = defineRoute({
  operationId: 'createGroup',
  method: 'POST',
  path: '/v1/groups',
  summary: 'Create a user group',
  tag,
  access: groups,
  body: GroupBody,
  response: GroupSchema,
  status: 201,
})

export const renameGroupRoute = defineRoute({
  operationId: 'renameGroup',
  method: 'PATCH',
  path: '/v1/groups/{groupId}',
  summary: 'Rename a user group',
  tag,
  access: groups,
  params: GroupIdParams,
  body: GroupBody,
  response: GroupSchema,
  errors: ['NOT_FOUND'],
})

export const deleteGroupRoute = defineRoute({
  operationId: 'deleteGroup',
  method: 'DELETE',
  path: '/v1/groups/{groupId}',
  summary: 'Delete a user group (its members stay in the workbench)',
  tag,
  access: groups,
  params: GroupIdParams,
  response: NoContent,
  status: 204,
  errors: ['NOT_FOUND'],
})

export const groupMembersRoute = defineRoute({
  operationId: 'groupMembers',
  method: 'GET',
  path: '/v1/groups/{groupId}/members',
  summary: 'The member ids of a group',
  tag,
  access: read,
  params: GroupIdParams,
  response: Ids,
  errors: ['NOT_FOUND'],
})

export const addGroupMembersRoute = defineRoute({
  operationId: 'addGroupMembers',
  method: 'POST',
  path: '/v1/groups/{groupId}/members',
  summary: 'Add members to a group (up to 25 a call)',
  tag,
  access: groups,
  params: GroupIdParams,
  body: GroupMembersBody,
  response: GroupSchema,
  errors: ['NOT_FOUND'],
})

export const removeGroupMemberRoute = defineRoute({
  operationId: 'removeGroupMember',
  method: 'DELETE',
  path: '/v1/groups/{groupId}/members/{memberId}',
  summary: 'Take a member out of a group',
  tag,
  access: groups,
  params: GroupMemberParams,
  response: NoContent,
  status: 204,
  errors: ['NOT_FOUND'],
})

export const memberGroupsRoute = defineRoute({
  operationId: 'memberGroups',
  method: 'GET',
  path: '/v1/members/{memberId}/groups',
  summary: 'The group ids a member belongs to',
  tag,
  access: read,
  params: MemberIdParams,
  response: Ids,
  errors: ['NOT_FOUND'],
})

export const meRoute = defineRoute({
  operationId: 'me',
  method: 'GET',
  path: '/v1/me',
  summary: 'The caller: login, realm and, in a workbench, their member profile',
  tag: 'Personal centre',
  access: { scopes: ['platform', 'industry', 'tenant'] },
  response: MeSchema,
})

export const updateMeRoute = defineRoute({
  operationId: 'updateMe',
  method: 'PATCH',
  path: '/v1/me',
  summary: 'Edit my own profile in this workbench (name, mobile, e-mail)',
  tag: 'Personal centre',
  access: { scopes: ['tenant'] },
  body: UpdateMeBody,
  response: MeSchema,
  errors: ['ALREADY_EXISTS'],
})

const invitations = { scopes: ['tenant'], permission: 'invitations.write' } as const

export const createInvitationRoute = defineRoute({
  operationId: 'createInvitation',
  method: 'POST',
  path: '/v1/invitations',
  summary:
    'Create an invitation: a code and a URL (and a QR code), optionally expiring, limited, for a department, needing approval',
  tag: 'Invitations',
  access: invitations,
  body: CreateInvitationBody,
  response: InvitationSchema,
  status: 201,
})

export const listInvitationsRoute = defineRoute({
  operationId: 'listInvitations',
  method: 'GET',
  path: '/v1/invitations',
  summary: 'The invitations of the workbench',
  tag: 'Invitations',
  access: invitations,
  response: z.object({ items: z.array(InvitationSchema) }),
})

export const revokeInvitationRoute = defineRoute({
  operationId: 'revokeInvitation',
  method: 'DELETE',
  path: '/v1/invitations/{inviteId}',
  summary: 'Revoke an invitation (its code stops working)',
  tag: 'Invitations',
  access: invitations,
  params: InviteIdParams,
  response: NoContent,
  status: 204,
  errors: ['NOT_FOUND'],
})

export const invitationQrRoute = defineRoute({
  operationId: 'invitationQr',
  method: 'GET',
  path: '/v1/invitations/{inviteId}/qr',
  summary: "The invitation's QR code (SVG image of its URL)",
  tag: 'Invitations',
  access: invitations,
  params: InviteIdParams,
  response: z.string(),
  raw: true,
  errors: ['NOT_FOUND'],
})

export const redeemRoute = defineRoute({
  operationId: 'redeemInvitation',
  method: 'POST',
  path: '/v1/invitations/redeem',
  summary: 'Join a workbench with an invitation code as a new person (choosing a password), or ask to join',
  tag: 'Invitations',
  access: { public: true },
  body: RedeemBody,
  response: RedeemedSchema,
  status: 201,
  errors: ['NOT_FOUND', 'INVALID_STATE', 'SEAT_LIMIT_REACHED', 'ALREADY_EXISTS'],
})

export const joinRoute = defineRoute({
  operationId: 'joinWorkbench',
  method: 'POST',
  path: '/v1/me/join',
  summary: 'Join another enterprise with an invitation code, with my existing login',
  tag: 'Personal centre',
  access: { scopes: ['platform', 'industry', 'tenant'], allowReadOnly: true },
  body: JoinBody,
  response: RedeemedSchema,
  status: 201,
  errors: ['NOT_FOUND', 'INVALID_STATE', 'SEAT_LIMIT_REACHED', 'ALREADY_EXISTS'],
})

export const joinRequestsRoute = defineRoute({
  operationId: 'listJoinRequests',
  method: 'GET',
  path: '/v1/join-requests',
  summary: 'Pending requests to join (invitations that need approval)',
  tag: 'Invitations',
  access: invitations,
  response: z.object({ items: z.array(JoinRequestSchema) }),
})

const decideRoute = (approve: boolean) =>
  defineRoute({
    operationId: approve ? 'approveJoinRequest' : 'rejectJoinRequest',
    method: 'POST',
    path: `/v1/join-requests/{requestId}/${approve ? 'approve' : 'reject'}`,
    summary: approve
      ? 'Approve a request: the person becomes a member (a seat is taken)'
      : 'Reject a request',
    tag: 'Invitations',
    access: invitations,
    params: RequestIdParams,
    response: z.object({ status: z.enum(['approved', 'rejected']) }),
    errors: ['NOT_FOUND', 'SEAT_LIMIT_REACHED', 'INVALID_STATE'],
  })
export const approveRoute = decideRoute(true)
export const rejectRoute = decideRoute(false)

export const importRoute = defineRoute({
  operationId: 'importMembers',
  method: 'POST',
  path: '/v1/members/import',
  summary: 'Import members (and their departments) from CSV: a dry run reports row by row, then apply',
  tag,
  access: write,
  body: ImportBody,
  response: ImportReportSchema,
})

export const exportRoute = defineRoute({
  operationId: 'exportMembers',
  method: 'GET',
  path: '/v1/members/export',
  summary: 'Every member as CSV (the columns the import reads)',
  tag,
  access: { scopes: ['tenant'], permission: 'members.export' },
  response: z.string(),
  raw: true,
})

export const importDepartmentsRoute = defineRoute({
  operationId: 'importDepartments',
  method: 'POST',
  path: '/v1/departments/import',
  summary: 'Import departments from CSV or XLSX (a path column, "Plant 1/Assembly"): dry run, then apply',
  tag,
  access: departments,
  body: ImportBody,
  response: DepartmentImportReportSchema,
})

const who = (p: Principal | undefined) => p as Principal
const tenantOf = (p: Principal | undefined) => who(p).tenantId as string

export const routes = [
  bind(addMemberRoute, async (req) => addMember(tenantOf(req.principal), who(req.principal), req.body)),
  bind(listMembersRoute, async (req) => listMembers(tenantOf(req.principal), req.query)),
  bind(getMemberRoute, async (req) => getMember(tenantOf(req.principal), req.params.memberId)),
  bind(updateMemberRoute, async (req) =>
    updateMember(tenantOf(req.principal), who(req.principal), req.params.memberId, req.body),
  ),
  bind(enableMemberRoute, async (req) =>
    setMemberStatus(tenantOf(req.principal), who(req.principal), req.params.memberId, 'active'),
  ),
  bind(disableMemberRoute, async (req) =>
    setMemberStatus(tenantOf(req.principal), who(req.principal), req.params.memberId, 'disabled'),
  ),
  bind(removeMemberRoute, async (req) => {
    await removeMember(tenantOf(req.principal), who(req.principal), req.params.memberId)
    return undefined
  }),
  bind(resetPasswordRoute, async (req) =>
    resetMemberPassword(tenantOf(req.principal), who(req.principal), req.params.memberId),
  ),
  bind(auditRoute, async (req) => listAudit(tenantOf(req.principal), req.query.limit, req.query.cursor)),
  bind(departmentTreeRoute, async (req) => ({ items: await departmentTree(tenantOf(req.principal)) })),
  bind(createDepartmentRoute, async (req) =>
    createDepartment(tenantOf(req.principal), who(req.principal), req.body),
  ),
  bind(updateDepartmentRoute, async (req) => {
    await updateDepartment(tenantOf(req.principal), who(req.principal), req.params.deptId, req.body)
    return undefined
  }),
  bind(moveDepartmentRoute, async (req) => {
    await moveDepartment(tenantOf(req.principal), who(req.principal), req.params.deptId, req.body)
    return undefined
  }),
  bind(deleteDepartmentRoute, async (req) => {
    await removeDepartment(tenantOf(req.principal), who(req.principal), req.params.deptId, req.query.moveTo)
    return undefined
  }),
  bind(setDepartmentsRoute, async (req) =>
    setMemberDepartments(
      tenantOf(req.principal),
      who(req.principal),
      req.params.memberId,
      req.body.departmentIds,
    ),
  ),
  bind(meRoute, async (req) => me(who(req.principal))),
  bind(updateMeRoute, async (req) => updateMe(who(req.principal), req.body)),
  bind(createInvitationRoute, async (req) =>
    createInvitation(tenantOf(req.principal), who(req.principal), req.body),
  ),
  bind(listInvitationsRoute, async (req) => ({ items: await listInvitations(tenantOf(req.principal)) })),
  bind(revokeInvitationRoute, async (req) => {
    await revokeInvitation(tenantOf(req.principal), who(req.principal), req.params.inviteId)
    return undefined
  }),
  bind(invitationQrRoute, async (req) => ({
    raw: true as const,
    status: 200,
    headers: { 'content-type': 'image/svg+xml' },
    body: await invitationQr(tenantOf(req.principal), req.params.inviteId),
  })),
  bind(redeemRoute, async (req) => redeemAsNewPerson(req.body.code, req.body)),
  bind(joinRoute, async (req) => redeemAsMe(who(req.principal), req.body.code, req.body.name)),
  bind(joinRequestsRoute, async (req) => ({ items: await listJoinRequests(tenantOf(req.principal)) })),
  bind(approveRoute, async (req) =>
    decideJoinRequest(tenantOf(req.principal), who(req.principal), req.params.requestId, true),
  ),
  bind(rejectRoute, async (req) =>
    decideJoinRequest(tenantOf(req.principal), who(req.principal), req.params.requestId, false),
  ),
  bind(importDepartmentsRoute, async (req) =>
    importDepartments(tenantOf(req.principal), who(req.principal), req.body),
  ),
  bind(importRoute, async (req) => importMembers(tenantOf(req.principal), who(req.principal), req.body)),
  bind(exportRoute, async (req) => ({
    raw: true as const,
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="members.csv"',
    },
    body: await exportMembers(tenantOf(req.principal), who(req.principal)),
  })),
  bind(listGroupsRoute, async (req) => ({ items: await listGroups(tenantOf(req.principal)) })),
  bind(createGroupRoute, async (req) =>
    createGroup(tenantOf(req.principal), who(req.principal), req.body.name),
  ),
  bind(renameGroupRoute, async (req) =>
    renameGroup(tenantOf(req.principal), who(req.principal), req.params.groupId, req.body.name),
  ),
  bind(deleteGroupRoute, async (req) => {
    await deleteGroup(tenantOf(req.principal), who(req.principal), req.params.groupId)
    return undefined
  }),
  bind(groupMembersRoute, async (req) => ({
    items: await listGroupMembers(tenantOf(req.principal), req.params.groupId),
  })),
  bind(addGroupMembersRoute, async (req) =>
    addGroupMembers(tenantOf(req.principal), who(req.principal), req.params.groupId, req.body.memberIds),
  ),
  bind(removeGroupMemberRoute, async (req) => {
    await removeGroupMember(
      tenantOf(req.principal),
      who(req.principal),
      req.params.groupId,
      req.params.memberId,
    )
    return undefined
  }),
  bind(memberGroupsRoute, async (req) => {
    await getMember(tenantOf(req.principal), req.params.memberId)
    return { items: await memberGroups(tenantOf(req.principal), req.params.memberId) }
  }),
  bind(listRolesRoute, async (req) => ({
    items: await listRoles(tenantOf(req.principal)),
    catalog: [...PERMISSIONS],
  })),
  bind(createRoleRoute, async (req) => createRole(tenantOf(req.principal), who(req.principal), req.body)),
  bind(updateRoleRoute, async (req) =>
    updateRole(tenantOf(req.principal), who(req.principal), req.params.roleId, req.body),
  ),
  bind(deleteRoleRoute, async (req) => {
    await deleteRole(tenantOf(req.principal), who(req.principal), req.params.roleId)
    return undefined
  }),
  bind(assignRolesRoute, async (req) =>
    assignRoles(tenantOf(req.principal), who(req.principal), req.params.memberId, req.body.roleIds),
  ),
]
