import * as z from 'zod'
import { tenantAccess } from '../../../lib/core/http/access.js'
import { route } from '../../../lib/core/http/route.js'
import { NoContent } from '../../../lib/core/http/schemas.js'
import { importDepartments } from '../../../lib/directory/department-import.js'
import { removeDepartment } from '../../../lib/directory/department-removal.js'
import {
  createDepartment,
  departmentTree,
  getDepartment,
  moveDepartment,
  updateDepartment,
} from '../../../lib/directory/departments.js'
import {
  CreateDepartmentBody,
  DepartmentImportReportSchema,
  DepartmentSchema,
  DeptIdParams,
  ImportBody,
  MoveDepartmentBody,
  UpdateDepartmentBody,
} from '../../../lib/directory/schemas.js'

const tag = 'Directory'
const read = tenantAccess('members.read')
const write = tenantAccess('departments.write')

export const departmentRoutes = [
  route({
    operationId: 'departmentTree',
    method: 'GET',
    path: '/v1/departments',
    summary: 'The department tree (one read, however many departments)',
    tag,
    access: read,
    response: z.object({ items: z.array(DepartmentSchema) }),
    handle: async (req) => ({ items: await departmentTree(req.tenant) }),
  }),
  route({
    operationId: 'getDepartment',
    method: 'GET',
    path: '/v1/departments/{deptId}',
    summary: 'One department (its sub-departments are in the tree)',
    tag,
    access: read,
    params: DeptIdParams,
    response: DepartmentSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getDepartment(req.tenant, req.params.deptId),
  }),
  route({
    operationId: 'createDepartment',
    method: 'POST',
    path: '/v1/departments',
    summary: 'Create a department, at the top or under a parent',
    tag,
    access: write,
    body: CreateDepartmentBody,
    response: DepartmentSchema,
    status: 201,
    idempotent: true,
    errors: ['ALREADY_EXISTS'],
    handle: async (req) => createDepartment(req.tenant, req.body),
  }),
  route({
    operationId: 'updateDepartment',
    method: 'PATCH',
    path: '/v1/departments/{deptId}',
    summary: 'Rename a department, order it among its siblings, set its head (a member of it)',
    tag,
    access: write,
    params: DeptIdParams,
    body: UpdateDepartmentBody,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND', 'ALREADY_EXISTS'],
    handle: (req) => updateDepartment(req.tenant, req.params.deptId, req.body),
  }),
  route({
    operationId: 'moveDepartment',
    method: 'POST',
    path: '/v1/departments/{deptId}/move',
    summary: 'Move a department with everything below it (never under itself or a descendant)',
    tag,
    access: write,
    params: DeptIdParams,
    body: MoveDepartmentBody,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND', 'ALREADY_EXISTS'],
    handle: (req) => moveDepartment(req.tenant, req.params.deptId, req.body),
  }),
  route({
    operationId: 'deleteDepartment',
    method: 'DELETE',
    path: '/v1/departments/{deptId}',
    summary:
      'Delete a department: an empty one, or with moveTo, after moving its sub-departments and members there',
    tag,
    access: write,
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
    handle: (req) => removeDepartment(req.tenant, req.params.deptId, req.query.moveTo),
  }),
  route({
    operationId: 'importDepartments',
    method: 'POST',
    path: '/v1/departments/import',
    summary: 'Import departments from CSV or XLSX (a path column, "Plant 1/Assembly"): dry run, then apply',
    tag,
    access: write,
    body: ImportBody,
    response: DepartmentImportReportSchema,
    idempotent: true,
    handle: async (req) => importDepartments(req.tenant, req.body),
  }),
]
