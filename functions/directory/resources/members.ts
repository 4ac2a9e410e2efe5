import * as z from 'zod'
import { listAudit } from '../../../lib/core/audit.js'
import { PageQuery, page } from '../../../lib/core/db/pagination.js'
import { tenantAccess } from '../../../lib/core/http/access.js'
import { representation, route } from '../../../lib/core/http/route.js'
import { NoContent } from '../../../lib/core/http/schemas.js'
import { memberGroupsPage } from '../../../lib/directory/groups.js'
import { exportMembers } from '../../../lib/directory/member-export.js'
import { importMembers } from '../../../lib/directory/member-import.js'
import { MemberIdParams } from '../../../lib/directory/member-params.js'
import {
  addMember,
  getMember,
  listMembers,
  removeMember,
  resetMemberPassword,
  setMemberDepartments,
  setMemberStatus,
  unlockMember,
  updateMember,
} from '../../../lib/directory/members.js'
import {
  AddedMemberSchema,
  AddMemberBody,
  AuditEntrySchema,
  IdPage,
  ImportBody,
  ImportReportSchema,
  ListMembersQuery,
  MemberSchema,
  SetDepartmentsBody,
  UpdateMemberBody,
} from '../../../lib/directory/schemas.js'

const tag = 'Directory'
const read = tenantAccess('members.read')
const write = tenantAccess('members.write')

const statusRoute = (status: 'active' | 'disabled') =>
  route({
    operationId: status === 'active' ? 'enableMember' : 'disableMember',
    method: 'POST',
    path: `/v1/members/{memberId}/${status === 'active' ? 'enable' : 'disable'}`,
    summary:
      status === 'active'
        ? 'Let a disabled member in again'
        : 'Stop a member from logging in, ending their sessions at once (the seat stays taken)',
    tag,
    access: write,
    params: MemberIdParams,
    response: MemberSchema,
    errors: ['NOT_FOUND', 'CONFLICT'],
    handle: async (req) => setMemberStatus(req.tenant, req.params.memberId, status),
  })

export const memberRoutes = [
  route({
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
    handle: async (req) => addMember(req.tenant, req.body),
  }),
  route({
    operationId: 'listMembers',
    method: 'GET',
    path: '/v1/members',
    summary: 'Members of the workbench, by status; `q` finds exact mobile numbers, e-mail addresses or names',
    tag,
    access: read,
    query: ListMembersQuery,
    response: page(MemberSchema),
    handle: async (req) => listMembers(req.tenant, req.query),
  }),
  route({
    operationId: 'getMember',
    method: 'GET',
    path: '/v1/members/{memberId}',
    summary: 'One member',
    tag,
    access: read,
    params: MemberIdParams,
    response: MemberSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getMember(req.tenant, req.params.memberId),
  }),
  route({
    operationId: 'updateMember',
    method: 'PATCH',
    path: '/v1/members/{memberId}',
    summary: "Change a member's name, contact fields or employee number (null clears a field)",
    tag,
    access: write,
    params: MemberIdParams,
    body: UpdateMemberBody,
    response: MemberSchema,
    errors: ['NOT_FOUND', 'ALREADY_EXISTS', 'CONFLICT'],
    handle: async (req) => updateMember(req.tenant, req.params.memberId, req.body),
  }),
  statusRoute('active'),
  statusRoute('disabled'),
  route({
    operationId: 'removeMember',
    method: 'DELETE',
    path: '/v1/members/{memberId}',
    summary: 'Remove a member from the workbench and free the seat; their sessions here end at once',
    tag,
    access: write,
    params: MemberIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND'],
    handle: (req) => removeMember(req.tenant, req.params.memberId),
  }),
  route({
    operationId: 'resetMemberPassword',
    method: 'POST',
    path: '/v1/members/{memberId}/reset-password',
    summary: 'Give a member a new one-time password (shown once); their sessions end',
    tag,
    access: write,
    params: MemberIdParams,
    response: z.object({ initialPassword: z.string() }),
    errors: ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT'],
    handle: async (req) => resetMemberPassword(req.tenant, req.params.memberId),
  }),
  route({
    operationId: 'unlockMember',
    method: 'POST',
    path: '/v1/members/{memberId}/unlock',
    summary: "Lift a member's lockout after too many failed passwords (the password stays)",
    tag,
    access: write,
    params: MemberIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND'],
    handle: (req) => unlockMember(req.tenant, req.params.memberId),
  }),
  route({
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
    handle: async (req) => setMemberDepartments(req.tenant, req.params.memberId, req.body.departmentIds),
  }),
  route({
    operationId: 'memberGroups',
    method: 'GET',
    path: '/v1/members/{memberId}/groups',
    summary: 'The group ids a member belongs to',
    tag,
    access: read,
    params: MemberIdParams,
    query: PageQuery,
    response: IdPage,
    errors: ['NOT_FOUND'],
    handle: async (req) => {
      await getMember(req.tenant, req.params.memberId)
      return memberGroupsPage(req.tenant, req.params.memberId, req.query.limit, req.query.cursor)
    },
  }),
  route({
    operationId: 'importMembers',
    method: 'POST',
    path: '/v1/members/import',
    summary:
      'Import members (and their departments) from CSV or XLSX: a dry run reports row by row, then apply',
    tag,
    access: write,
    body: ImportBody,
    response: ImportReportSchema,
    idempotent: true,
    handle: async (req) => importMembers(req.tenant, req.body),
  }),
  route({
    operationId: 'exportMembers',
    method: 'GET',
    path: '/v1/members/export',
    summary: 'Every member as CSV (the columns the import reads)',
    tag,
    access: tenantAccess('members.export'),
    response: z.string(),
    produces: 'text/csv',
    handle: async (req) =>
      representation(await exportMembers(req.tenant), {
        'content-disposition': 'attachment; filename="members.csv"',
      }),
  }),
  route({
    operationId: 'tenantAudit',
    method: 'GET',
    path: '/v1/tenant/audit',
    summary: 'Admin actions on the directory, newest first (people are referenced by id)',
    tag,
    access: tenantAccess('audit.read'),
    query: PageQuery,
    response: page(AuditEntrySchema),
    handle: async (req) => listAudit(req.tenant, req.query.limit, req.query.cursor),
  }),
]
