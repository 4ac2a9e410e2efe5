import * as z from 'zod'
import { PERMISSIONS } from '../core/auth/permissions.js'
import { PageQuery, page } from '../core/db/pagination.js'
import { Mobile } from '../core/http/address-schemas.js'
import { NewPassword, VerificationCode } from '../core/http/schemas.js'
import { MemberIdParams } from './member-params.js'

const Email = z.email().max(254)
const Name = z.string().trim().min(1).max(100)
const EmployeeNo = z.string().trim().min(1).max(64)

const DepartmentIds = z.array(z.string().regex(/^[0-9a-z]{10,40}$/, 'not a department id')).max(10)

export const AddMemberBody = z
  .object({
    name: Name,
    mobile: Mobile.optional(),
    email: Email.optional(),
    employeeNo: EmployeeNo.optional(),
    departmentIds: DepartmentIds.optional(),
  })
  .strict()
  .refine((b) => b.mobile !== undefined || b.email !== undefined, {
    message: 'a mobile number or an e-mail address is required',
    path: ['mobile'],
  })
  .meta({ id: 'AddMember' })
export type AddMemberInput = z.infer<typeof AddMemberBody>

export const UpdateMemberBody = z
  .object({
    name: Name.optional(),
    mobile: Mobile.nullable().optional(),
    email: Email.nullable().optional(),
    employeeNo: EmployeeNo.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .meta({ id: 'UpdateMember' })
export type UpdateMemberInput = z.infer<typeof UpdateMemberBody>

export const MemberSchema = z
  .object({
    memberId: z.string(),
    /** what apps know the member by (see accountName): read-only, to match accounts on the app's side */
    accountName: z.string(),
    name: z.string(),
    mobile: z.string().optional(),
    email: z.string().optional(),
    employeeNo: z.string().optional(),
    departmentIds: z.array(z.string()),
    status: z.enum(['active', 'disabled']),
    roles: z.array(z.string()),
    createdAt: z.string().optional(),
  })
  .meta({ id: 'Member' })
export type Member = z.infer<typeof MemberSchema>

export const AddedMemberSchema = z
  .object({ member: MemberSchema, initialPassword: z.string().optional(), existingAccount: z.boolean() })
  .meta({ id: 'AddedMember' })

export const ListMembersQuery = PageQuery.extend({
  status: z.enum(['active', 'disabled']).optional(),
  departmentId: z
    .string()
    .regex(/^[0-9a-z]{10,40}$/, 'not a department id')
    .optional(),
  groupId: z
    .string()
    .regex(/^[0-9a-z]{10,40}$/, 'not a group id')
    .optional(),
  /** with departmentId: members of its sub-departments too */
  includeSubDepartments: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** exact match on a mobile number, an e-mail address or a full name */
  q: z.string().trim().min(1).max(254).optional(),
})

/** A page of ids (a group's members, a member's groups). */
export const IdPage = page(z.string()).meta({ id: 'IdPage' })

/** A member as other members see them in contacts: only the fields the tenant lets them see. */
export const ContactCardSchema = z
  .object({
    memberId: z.string(),
    name: z.string(),
    departmentIds: z.array(z.string()),
    /** as the tenant shows it: in full, masked (`+86•••••••0001`) or absent */
    mobile: z.string().optional(),
    email: z.string().optional(),
    employeeNo: z.string().optional(),
  })
  .meta({ id: 'ContactCard' })
export const ContactCardPage = page(ContactCardSchema).meta({ id: 'ContactCardPage' })

/** Contacts' search: a department (and those below), an exact name, mobile or e-mail address. */
export const ContactsQuery = ListMembersQuery.omit({ status: true, groupId: true })

export const AuditEntrySchema = z
  .object({
    at: z.string(),
    actorId: z.string(),
    action: z.string(),
    targetId: z.string().optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'AuditEntry' })

const Permission = z.enum(PERMISSIONS)

export const RoleSchema = z
  .object({ roleId: z.string(), name: z.string(), permissions: z.array(z.string()) })
  .meta({ id: 'Role' })

export const CreateRoleBody = z
  .object({
    name: z.string().trim().min(1).max(64),
    permissions: z.array(Permission).min(1).max(PERMISSIONS.length),
  })
  .strict()
  .meta({ id: 'CreateRole' })

export const UpdateRoleBody = CreateRoleBody.partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .meta({ id: 'UpdateRole' })

export const RoleIdParams = z.object({ roleId: z.string().regex(/^[0-9a-z]{10,40}$/, 'not a role id') })

export const AssignRolesBody = z.object({ roleIds: z.array(z.string().min(1).max(40)).max(20) }).strict()

export const MemberRolesSchema = z
  .object({ memberId: z.string(), roles: z.array(z.string()), permissions: z.array(z.string()) })
  .meta({ id: 'MemberRoles' })

export const SetDepartmentsBody = z.object({ departmentIds: DepartmentIds }).strict()

export const DepartmentSchema: z.ZodType<{
  deptId: string
  name: string
  parentId: string | null
  order: number
  headId?: string
  memberCount: number
  children: unknown[]
}> = z
  .object({
    deptId: z.string(),
    name: z.string(),
    parentId: z.string().nullable(),
    order: z.number(),
    headId: z.string().optional(),
    memberCount: z.number(),
    get children() {
      return z.array(DepartmentSchema)
    },
  })
  .meta({ id: 'Department' })

/** "/" and ";" separate departments in import files, so a name cannot hold them. */
export const DepartmentName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^/;]*$/, 'may not contain / or ;')

export const CreateDepartmentBody = z
  .object({
    name: DepartmentName,
    parentId: z
      .string()
      .regex(/^[0-9a-z]{10,40}$/)
      .nullable()
      .optional(),
    order: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict()

export const UpdateDepartmentBody = z
  .object({
    name: DepartmentName.optional(),
    order: z.number().int().min(0).max(1_000_000).optional(),
    headId: z
      .string()
      .regex(/^[0-9a-z]{10,40}$/)
      .nullable()
      .optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })

export const MoveDepartmentBody = z
  .object({
    parentId: z
      .string()
      .regex(/^[0-9a-z]{10,40}$/)
      .nullable(),
    order: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict()

export const DeptIdParams = z.object({ deptId: z.string().regex(/^[0-9a-z]{10,40}$/, 'not a department id') })

export const GroupSchema = z
  .object({ groupId: z.string(), name: z.string(), memberCount: z.number() })
  .meta({ id: 'Group' })
export const GroupBody = z.object({ name: z.string().trim().min(1).max(100) }).strict()
export const GroupIdParams = z.object({ groupId: z.string().regex(/^[0-9a-z]{10,40}$/, 'not a group id') })
export const GroupMemberParams = GroupIdParams.extend(MemberIdParams.shape)
export const GroupMembersBody = z
  .object({
    memberIds: z
      .array(z.string().regex(/^[0-9a-z]{10,40}$/, 'not a member id'))
      .min(1)
      .max(25),
  })
  .strict()

export const UpdateMeBody = z
  .object({ name: Name.optional(), mobile: Mobile.nullable().optional(), email: Email.nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })

export const MeSchema = z
  .object({
    accountId: z.string(),
    identifier: z.string(),
    scope: z.enum(['platform', 'industry', 'tenant']),
    tenantId: z.string().optional(),
    industry: z.string().optional(),
    member: MemberSchema.optional(),
  })
  .meta({ id: 'Me' })

export const CreateInvitationBody = z
  .object({
    departmentId: z
      .string()
      .regex(/^[0-9a-z]{10,40}$/, 'not a department id')
      .optional(),
    expiresInDays: z.number().int().min(1).max(365).optional(),
    maxUses: z.number().int().min(1).max(10_000).optional(),
    needsApproval: z.boolean().optional(),
  })
  .strict()

export const InvitationSchema = z
  .object({
    inviteId: z.string(),
    code: z.string(),
    url: z.string(),
    departmentId: z.string().optional(),
    expiresAt: z.string().optional(),
    maxUses: z.number().optional(),
    uses: z.number(),
    needsApproval: z.boolean(),
    revoked: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Invitation' })

export const InviteIdParams = z.object({
  inviteId: z.string().regex(/^[0-9a-z]{10,40}$/, 'not an invitation id'),
})
const InviteCode = z.string().trim().min(6).max(20)

export const RedeemBody = z
  .object({
    code: InviteCode,
    name: Name,
    mobile: Mobile.optional(),
    email: Email.optional(),
    password: NewPassword,
    /** the code sent to the mobile number (or, without one, the e-mail address): POST /v1/auth/codes, purpose signup */
    verificationCode: VerificationCode,
  })
  .strict()
  .refine((b) => b.mobile !== undefined || b.email !== undefined, {
    message: 'a mobile number or an e-mail address is required',
    path: ['mobile'],
  })

export const JoinBody = z.object({ code: InviteCode, name: Name }).strict()

export const RedeemedSchema = z
  .object({
    status: z.enum(['joined', 'pending']),
    requestId: z.string().optional(),
    tenant: z.object({ code: z.string(), name: z.string() }),
  })
  .meta({ id: 'Redeemed' })

export const JoinRequestSchema = z
  .object({
    requestId: z.string(),
    name: z.string(),
    mobile: z.string().optional(),
    email: z.string().optional(),
    createdAt: z.string(),
  })
  .meta({ id: 'JoinRequest' })

export const RequestIdParams = z.object({
  requestId: z.string().regex(/^[0-9a-z]{10,40}$/, 'not a request id'),
})

export const ImportBody = z
  .object({
    format: z.enum(['csv', 'xlsx']),
    /** CSV: the file's text; XLSX: the file, base64. Columns: name, mobile, email, employeeNo, departments ("A/B;C") */
    content: z.string().min(1).max(4_000_000),
    dryRun: z.boolean().default(true),
  })
  .strict()
export type ImportBody = z.output<typeof ImportBody>

export const ImportReportSchema = z
  .object({
    dryRun: z.boolean(),
    summary: z.object({
      rows: z.number(),
      added: z.number(),
      wouldAdd: z.number(),
      unchanged: z.number(),
      refused: z.number(),
      departmentsCreated: z.array(z.string()),
      departmentsToCreate: z.array(z.string()),
    }),
    rows: z.array(
      z.object({
        row: z.number(),
        outcome: z.enum(['added', 'would-add', 'unchanged', 'refused']),
        reason: z.string().optional(),
        memberId: z.string().optional(),
        initialPassword: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'ImportReport' })

export const DepartmentImportReportSchema = z
  .object({
    dryRun: z.boolean(),
    rows: z.array(
      z.object({
        row: z.number(),
        path: z.string().optional(),
        outcome: z.enum(['created', 'would-create', 'unchanged', 'refused']),
        reason: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'DepartmentImportReport' })
export type DepartmentImportReport = z.infer<typeof DepartmentImportReportSchema>
