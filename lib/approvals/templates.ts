import { GetItemCommand, PutTransaction } from 'dynamodb-toolbox'
import * as z from 'zod'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, type FieldIssue, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { TemplateEntity } from './entities.js'
import { FileIds, FormField, StepSpec, type TemplateInput, type TemplateView } from './schemas.js'

const headStep: StepSpec = { approvers: { type: 'departmentHead' }, mode: 'any' }

/**
 * The built-in templates: the platform's defaults, read from code at runtime by every tenant
 * (decision: nothing to seed at opening or purge at release, and a fix reaches every tenant). Each
 * goes to the applicant's department head.
 */
export const BUILT_IN_TEMPLATES: TemplateView[] = [
  {
    templateId: 'leave',
    builtIn: true,
    name: 'Leave',
    fields: [
      {
        key: 'kind',
        label: 'Kind of leave',
        type: 'select',
        required: true,
        options: ['annual', 'sick', 'personal', 'other'],
      },
      { key: 'period', label: 'Period', type: 'dateRange', required: true },
      { key: 'reason', label: 'Reason', type: 'text', required: false },
    ],
    steps: [headStep],
  },
  {
    templateId: 'trip',
    builtIn: true,
    name: 'Business trip or outing',
    fields: [
      { key: 'destination', label: 'Destination', type: 'text', required: true },
      { key: 'period', label: 'Period', type: 'dateRange', required: true },
      { key: 'purpose', label: 'Purpose', type: 'text', required: true },
    ],
    steps: [headStep],
  },
  {
    templateId: 'reimbursement',
    builtIn: true,
    name: 'Reimbursement',
    fields: [
      { key: 'amount', label: 'Amount', type: 'money', required: true },
      { key: 'date', label: 'Date of expense', type: 'date', required: true },
      { key: 'description', label: 'Description', type: 'text', required: true },
      { key: 'receipts', label: 'Receipts', type: 'attachment', required: false },
    ],
    steps: [headStep],
  },
]

/** The value schema of one field type. Attachments are drive file ids (read access checked on submission). */
const VALUE_SCHEMAS: Record<FormField['type'], z.ZodType> = {
  text: z.string().trim().min(1).max(2000),
  number: z.number().finite(),
  date: z.iso.date(),
  dateRange: z
    .object({ from: z.iso.date(), to: z.iso.date() })
    .strict()
    .refine((r) => r.from <= r.to, 'from is not after to'),
  select: z.string(),
  money: z
    .object({
      amount: z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'a decimal with at most 2 places'),
      currency: z.string().regex(/^[A-Z]{3}$/),
    })
    .strict(),
  attachment: FileIds,
}

/**
 * Checks a form against a template's fields: every failing field named (`body.form.<key>`). A
 * draft's required fields may still be empty; what it holds is checked all the same.
 */
export const checkedForm = (fields: FormField[], form: Record<string, unknown>, draft = false) => {
  const issues: FieldIssue[] = []
  const known = new Set(fields.map((f) => f.key))
  for (const key of Object.keys(form))
    if (!known.has(key)) issues.push({ path: `body.form.${key}`, message: 'not a field of this template' })
  for (const f of fields) {
    const v = form[f.key]
    if (v === undefined || v === null) {
      if (f.required && !draft) issues.push({ path: `body.form.${f.key}`, message: 'required' })
      continue
    }
    const schema = f.type === 'select' ? z.enum(f.options as [string, ...string[]]) : VALUE_SCHEMAS[f.type]
    const r = schema.safeParse(v)
    if (!r.success)
      issues.push({ path: `body.form.${f.key}`, message: r.error.issues[0]?.message ?? 'invalid' })
  }
  if (issues.length > 0)
    throw new AppError('VALIDATION_FAILED', `invalid ${issues.map((i) => i.path).join(', ')}`, issues)
  return form
}

/** The drive files a checked form attaches, by field. */
export const formAttachments = (fields: FormField[], form: Record<string, unknown>) =>
  fields.flatMap((f) =>
    f.type === 'attachment' && Array.isArray(form[f.key])
      ? [{ path: `body.form.${f.key}`, fileIds: form[f.key] as string[] }]
      : [],
  )

type Row = NonNullable<Awaited<ReturnType<typeof readRow>>>
const readRow = async (scope: TenantScope, templateId: string) =>
  (await TemplateEntity.build(GetItemCommand).key({ tenantId: scope.tenantId, templateId }).send()).Item

const viewOf = (r: Row): TemplateView => ({
  templateId: r.templateId,
  builtIn: false,
  name: r.name,
  description: r.description,
  fields: z.array(FormField).parse(JSON.parse(r.fields)),
  steps: z.array(StepSpec).parse(JSON.parse(r.steps)),
})

export const getTemplate = async (scope: TenantScope, templateId: string): Promise<TemplateView> => {
  const builtIn = BUILT_IN_TEMPLATES.find((t) => t.templateId === templateId)
  if (builtIn) return builtIn
  const row = await readRow(scope, templateId)
  if (!row) throw notFound('template')
  return viewOf(row)
}

/** The built-in templates and the tenant's own (a tenant keeps few: one range read). */
export const listTemplates = async (scope: TenantScope) => ({
  items: [
    ...BUILT_IN_TEMPLATES,
    ...(await queryAll(TemplateEntity, { partition: tenantPartition(scope.tenantId), prefix: 'APTPL#' })).map(
      viewOf,
    ),
  ],
})

/** A custom template (admins with `approvals.write`), audited. */
export const createTemplate = async (ctx: TenantContext, input: TemplateInput): Promise<TemplateView> => {
  const row: Row = {
    tenantId: ctx.tenantId,
    templateId: newId(),
    name: input.name,
    description: input.description,
    fields: JSON.stringify(input.fields),
    steps: JSON.stringify(input.steps),
    createdAt: nowIso(),
    createdBy: ctx.actor.accountId,
  }
  await transaction()
    .add(
      'template',
      TemplateEntity.build(PutTransaction)
        .item(row)
        .options({ condition: { attr: 'templateId', exists: false } }),
    )
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'approval.template.created',
        targetId: row.templateId,
      }),
    )
    .run()
  return viewOf(row)
}
