import * as z from 'zod'
import { PageQuery, page } from '../core/db/pagination.js'
import { Id, Iso } from '../core/http/schemas.js'
import { TextLine } from '../core/http/text-line.js'
import { NodeId } from '../drive/schemas.js'

export const FIELD_TYPES = ['text', 'number', 'date', 'dateRange', 'select', 'money', 'attachment'] as const

/** One field of a form: its key in the submitted form, its label, its type and whether it is required. */
export const FormField = z
  .object({
    key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, 'a letter, then letters, digits or _, up to 40'),
    label: TextLine(100),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    /** the choices of a `select` */
    options: z.array(TextLine(100)).min(1).max(50).optional(),
  })
  .strict()
  .refine((f) => (f.type === 'select') === (f.options !== undefined), {
    message: 'options are given for a select, and only for it',
    path: ['options'],
  })
export type FormField = z.infer<typeof FormField>

/**
 * Who approves a step: the applicant's department head (of their first department), the members
 * holding a role, or named members.
 */
export const ApproverSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('departmentHead') }).strict(),
  z.object({ type: z.literal('role'), roleId: Id }).strict(),
  z.object({ type: z.literal('members'), memberIds: z.array(Id).min(1).max(15) }).strict(),
])

/** `any`: the first decision decides the step; `all`: every approver approves, any rejection rejects. */
export const StepSpec = z
  .object({ approvers: ApproverSource, mode: z.enum(['any', 'all']).default('any') })
  .strict()
export type StepSpec = z.infer<typeof StepSpec>

export const TemplateBody = z
  .object({
    name: TextLine(100),
    description: z.string().trim().max(500).optional(),
    fields: z
      .array(FormField)
      .min(1)
      .max(30)
      .refine((fs) => new Set(fs.map((f) => f.key)).size === fs.length, 'field keys must differ'),
    steps: z.array(StepSpec).min(1).max(10),
  })
  .strict()
  .meta({ id: 'ApprovalTemplateInput' })
export type TemplateInput = z.infer<typeof TemplateBody>

export const TemplateSchema = z
  .object({
    templateId: z.string(),
    builtIn: z.boolean(),
    name: z.string(),
    description: z.string().optional(),
    fields: z.array(FormField),
    steps: z.array(StepSpec),
  })
  .meta({ id: 'ApprovalTemplate' })
export type TemplateView = z.infer<typeof TemplateSchema>
export const TemplateList = z.object({ items: z.array(TemplateSchema) }).meta({ id: 'ApprovalTemplates' })

/** Built-in templates are named by word, custom ones by id. */
export const TemplateId = z.union([z.enum(['leave', 'trip', 'reimbursement']), Id])
export const TemplateParams = z.object({ templateId: TemplateId })

const Form = z.record(z.string(), z.unknown())

export const SubmitBody = z
  .object({
    templateId: TemplateId,
    /** the form's values by field key, checked against the template's fields (a draft's required ones may wait) */
    form: Form,
    /** keep it as the applicant's draft (edit it, submit it later) instead of submitting it now */
    draft: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'ApprovalSubmission' })

export const DraftBody = z.object({ form: Form }).strict().meta({ id: 'ApprovalDraftChange' })

/** Drive file ids; each must be a file the one who attaches it may read. */
export const FileIds = z.array(NodeId).min(1).max(20)

export const CommentBody = z
  .object({ text: z.string().trim().min(1).max(1000), attachments: FileIds.optional() })
  .strict()
  .meta({ id: 'ApprovalCommentInput' })

export const DecisionBody = z
  .object({ decision: z.enum(['approved', 'rejected']), comment: z.string().trim().max(1000).optional() })
  .strict()
  .meta({ id: 'ApprovalDecision' })

export const RequestParams = z.object({ approvalId: Id })
export const AttachmentParams = z.object({ approvalId: Id, fileId: NodeId })

export const APPROVAL_STATES = ['draft', 'pending', 'approved', 'rejected', 'withdrawn'] as const

export const StepSchema = z.object({
  mode: z.enum(['any', 'all']),
  approvers: z.array(z.string()),
  decisions: z.array(
    z.object({
      approverId: z.string(),
      decision: z.enum(['approved', 'rejected']),
      comment: z.string().optional(),
      at: Iso,
    }),
  ),
})
export type Step = z.infer<typeof StepSchema>

export const CommentSchema = z
  .object({
    commentId: z.string(),
    authorId: z.string(),
    text: z.string(),
    attachments: z.array(z.string()).optional(),
    createdAt: Iso,
  })
  .meta({ id: 'ApprovalComment' })

export const RequestSchema = z
  .object({
    requestId: z.string(),
    templateId: z.string(),
    templateName: z.string(),
    applicantId: z.string(),
    form: z.record(z.string(), z.unknown()),
    status: z.enum(APPROVAL_STATES),
    /** the step waiting for decisions (while pending) */
    currentStep: z.int(),
    steps: z.array(StepSchema),
    /** every drive file attached (form fields and comments): participants download them by the request */
    attachments: z.array(z.string()),
    comments: z.array(CommentSchema),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .meta({ id: 'ApprovalRequest' })
export type RequestView = z.infer<typeof RequestSchema>

export const RequestSummary = z
  .object({
    requestId: z.string(),
    templateName: z.string(),
    applicantId: z.string(),
    status: z.enum(APPROVAL_STATES),
    createdAt: Iso,
  })
  .meta({ id: 'ApprovalSummary' })
export const RequestPage = page(RequestSummary).meta({ id: 'ApprovalPage' })
export const RequestListQuery = PageQuery
