import * as z from 'zod'
import { AppIdParams } from '../apps/schemas.js'
import { PageQuery } from '../core/db/pagination.js'
import { ClientType, SsoProtocol } from '../platform/app-schemas.js'
import { GRANT_ID_PATTERN } from './policy.js'

const Id = (what: string) => z.string().regex(/^[0-9a-z]{10,40}$/, `not a ${what} id`)

const DepartmentSubject = z
  .object({
    id: Id('department'),
    /** the departments below it too (default: only its own members) */
    includeSubDepartments: z.boolean().default(false),
  })
  .strict()

/** At most this many subjects in one grant request. */
// one transaction holds a request's rules with a check of each subject
export const MAX_GRANT_SUBJECTS = 40

export const GrantBody = z
  .object({
    members: z.array(Id('member')).max(MAX_GRANT_SUBJECTS).default([]),
    departments: z.array(DepartmentSubject).max(MAX_GRANT_SUBJECTS).default([]),
    groups: z.array(Id('group')).max(MAX_GRANT_SUBJECTS).default([]),
    /** who may not use the app whatever else grants it */
    deny: z
      .object({
        members: z.array(Id('member')).max(MAX_GRANT_SUBJECTS).default([]),
        departments: z.array(DepartmentSubject).max(MAX_GRANT_SUBJECTS).default([]),
      })
      .strict()
      .default({ members: [], departments: [] }),
  })
  .strict()
  .superRefine((b, issue) => {
    const count =
      b.members.length +
      b.departments.length +
      b.groups.length +
      b.deny.members.length +
      b.deny.departments.length
    if (count === 0)
      issue.addIssue({ code: 'custom', message: 'name at least one member, department or group' })
    if (count > MAX_GRANT_SUBJECTS) {
      issue.addIssue({ code: 'custom', message: `at most ${MAX_GRANT_SUBJECTS} subjects in one request` })
    }
  })
  .meta({ id: 'GrantInput' })
export type GrantInput = z.output<typeof GrantBody>

export const GrantIdParams = AppIdParams.extend({
  grantId: z.string().regex(GRANT_ID_PATTERN, 'not a grant id'),
})

export const EntitledMemberParams = AppIdParams.extend({ memberId: Id('member') })

const SubjectSchema = z.object({
  type: z.enum(['member', 'department', 'group']),
  id: z.string(),
  /** absent when the subject is gone (its rule reaches nobody) */
  name: z.string().optional(),
})

export const GrantSchema = z
  .object({
    grantId: z.string(),
    effect: z.enum(['allow', 'deny']),
    subject: SubjectSchema,
    includeSubDepartments: z.boolean(),
    grantedAt: z.string(),
    grantedBy: z.string(),
  })
  .meta({ id: 'Grant' })
export type GrantView = z.infer<typeof GrantSchema>

export const GrantResultSchema = z
  .object({
    grants: z.array(GrantSchema),
    /** members whose standing this request changed */
    entitled: z.number(),
    waiting: z.number(),
    removed: z.number(),
  })
  .meta({ id: 'GrantResult' })

export const EntitledQuery = PageQuery.extend({
  /** holders (default), or members a rule lets in who wait for a seat, longest first */
  state: z.enum(['entitled', 'waiting']).default('entitled'),
})

export const EntitledMemberSchema = z
  .object({
    memberId: z.string(),
    name: z.string(),
    state: z.enum(['entitled', 'waiting']),
    since: z.string(),
  })
  .meta({ id: 'EntitledMember' })

const MatchSchema = z.object({
  grantId: z.string(),
  subject: SubjectSchema,
  includeSubDepartments: z.boolean(),
  /** for a department rule: the member's own department it reaches them through */
  via: z.object({ id: z.string(), name: z.string().optional() }).optional(),
})

export const ENTITLEMENT_BLOCKERS = [
  'not-granted',
  'denied',
  'waiting-for-seat',
  'app-disabled',
  'licence-expired',
  'member-disabled',
] as const

export const EntitlementExplanationSchema = z
  .object({
    memberId: z.string(),
    appId: z.string(),
    /** the member can open the app now */
    canOpen: z.boolean(),
    state: z.enum(['entitled', 'waiting', 'none']),
    grants: z.array(MatchSchema),
    denies: z.array(MatchSchema),
    /** why they cannot, when they cannot */
    blockers: z.array(z.enum(ENTITLEMENT_BLOCKERS)),
  })
  .meta({ id: 'EntitlementExplanation' })

export const MyAppSchema = z
  .object({
    appId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    iconUrl: z.string().optional(),
    kind: z.enum(['built-in', 'preinstalled', 'subscribed', 'self-built']),
    clientTypes: z.array(ClientType),
    protocol: SsoProtocol,
    /** where the app starts (absent for built-in apps, which the workbench opens itself) */
    launchUrl: z.string().optional(),
    groupId: z.string().optional(),
    order: z.number(),
  })
  .meta({ id: 'MyApp' })

export const MyAppsSchema = z
  .object({
    items: z.array(MyAppSchema),
    /** the app groups the items sit in, in display order */
    groups: z.array(z.object({ groupId: z.string(), name: z.string(), order: z.number() })),
  })
  .meta({ id: 'MyApps' })
