import {
  DeleteItemCommand,
  DeleteTransaction,
  type FormattedItem,
  GetItemCommand,
  PutTransaction,
  QueryCommand,
} from 'dynamodb-toolbox'
import * as z from 'zod'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { auditWrite } from '../core/audit.js'
import type { TenantCaller } from '../core/auth/caller.js'
import { nowIso } from '../core/clock.js'
import { isConditionFailure, retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, type FieldIssue, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { errorSite, log } from '../core/log.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { getDepartment } from '../directory/departments.js'
import { driveMemberOf } from '../drive/access.js'
import { attachmentDownload, fileForMember } from '../drive/files.js'
import { activeRoleHolderIds, getMembership, membershipActive } from '../identity/accounts.js'
import { notifyMembers } from '../notices/notify.js'
import { closeTodoWrites, todoWrites } from '../todos/todos.js'
import {
  allPartition,
  CommentEntity,
  minePartition,
  RequestEntity,
  requestPrefix,
  WaitingEntity,
} from './entities.js'
import { type RequestView, type Step, StepSchema, type StepSpec, type TemplateView } from './schemas.js'
import { checkedForm, formAttachments, getTemplate } from './templates.js'

type Request = FormattedItem<typeof RequestEntity>
type Comment = FormattedItem<typeof CommentEntity>

/** The edition's app a tenant needs to submit approvals (the industrial editions). */
export const APPROVALS_APP = 'approvals'

const stepsOf = (r: Request) => z.array(StepSchema).parse(JSON.parse(r.steps))

const view = (r: Request, comments: Comment[] = []): RequestView => ({
  requestId: r.requestId,
  templateId: r.templateId,
  templateName: r.templateName,
  applicantId: r.applicantId,
  form: JSON.parse(r.form),
  status: r.status,
  currentStep: r.currentStep,
  steps: stepsOf(r),
  attachments: r.attachments ?? [],
  comments: comments.map((c) => ({
    commentId: c.commentId,
    authorId: c.authorId,
    text: c.text,
    attachments: c.attachments,
    createdAt: c.createdAt,
  })),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
})

/** Where the workbench shows a request: the todo's and the notices' link. */
export const requestLink = (requestId: string) => `/approvals/${requestId}`

const noApprover = (step: number) =>
  new AppError(
    'INVALID_STATE',
    `step ${step + 1} has no approver (the applicant never approves their own request)`,
    {
      step,
    },
  )

/**
 * The approvers of a step, resolved at submission and kept on the request (decision: who approves
 * is fixed when the request is made, so a later reorganisation neither strands nor re-routes a
 * pending request, and a decision reads one item). The applicant is left out of their own chain;
 * a step left with nobody refuses the submission.
 */
const resolveStep = async (ctx: TenantContext, spec: StepSpec, index: number): Promise<Step> => {
  const me = ctx.actor.accountId
  let approvers: string[]
  if (spec.approvers.type === 'members') approvers = spec.approvers.memberIds
  else if (spec.approvers.type === 'role')
    approvers = await activeRoleHolderIds(ctx.tenantId, spec.approvers.roleId)
  else {
    const deptId = (await getMembership('tenant', ctx.tenantId, me))?.departmentIds?.[0]
    const head = deptId === undefined ? undefined : (await getDepartment(ctx, deptId)).headId
    approvers = head ? [head] : []
  }
  const kept = [...new Set(approvers)].filter((id) => id !== me)
  if (kept.length === 0) throw noApprover(index)
  if (kept.length > 20)
    throw new AppError('INVALID_STATE', `step ${index + 1} has more than 20 approvers`, { step: index })
  return { mode: spec.mode, approvers: kept, decisions: [] }
}

const todoOf = (requestId: string, step: number, approverId: string) => ({
  ownerId: approverId,
  appCode: APPROVALS_APP,
  externalId: `${requestId}.${step}.${approverId}`,
})

/**
 * The writes that open a step: each approver's waiting place and todo (and that they are active).
 * The todo names the template, not the applicant: a todo's title is stored in the clear, and names
 * are personal data kept encrypted; the link opens the request, which shows who asked.
 */
const openStepWrites = (scope: TenantScope, r: Request, step: Step, index: number): WriteItem[] =>
  step.approvers.flatMap((approverId) => [
    WaitingEntity.build(PutTransaction).item({
      tenantId: scope.tenantId,
      approverId,
      requestId: r.requestId,
      templateName: r.templateName,
      applicantId: r.applicantId,
      createdAt: r.createdAt,
    }),
    ...todoWrites(scope, {
      ownerId: approverId,
      title: `Approval awaiting your decision: ${r.templateName}`,
      createdBy: `app:${APPROVALS_APP}`,
      app: {
        appCode: APPROVALS_APP,
        name: 'Approvals',
        externalId: todoOf(r.requestId, index, approverId).externalId,
        link: requestLink(r.requestId),
      },
    }).writes,
  ])

/** The writes that end some approvers' part in a step: their waiting place and todo. */
const closeWrites = (scope: TenantScope, r: Request, index: number, approverIds: string[]): WriteItem[] =>
  approverIds.flatMap((approverId) => [
    WaitingEntity.build(DeleteTransaction).key({
      tenantId: scope.tenantId,
      approverId,
      requestId: r.requestId,
    }),
    ...closeTodoWrites(scope, todoOf(r.requestId, index, approverId)),
  ])

/**
 * The drive files attached, each one the caller may read (another tenant's, a trashed one, one not
 * shared with them: a 400 naming where it was given). One read of the drive per file, in parallel.
 */
const checkedAttachments = async (caller: TenantCaller, given: { path: string; fileIds: string[] }[]) => {
  const all = given.flatMap(({ path, fileIds }) => fileIds.map((fileId) => ({ path, fileId })))
  if (all.length === 0) return []
  const member = await driveMemberOf(caller)
  const issues: FieldIssue[] = []
  await Promise.all(
    all.map(({ path, fileId }) =>
      fileForMember(member, fileId).catch((err) => {
        if (!(err instanceof AppError && ['NOT_FOUND', 'INVALID_STATE'].includes(err.code))) throw err
        issues.push({ path, message: `${fileId} is not a drive file you may read` })
      }),
    ),
  )
  if (issues.length > 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `invalid ${[...new Set(issues.map((i) => i.path))].join(', ')}`,
      issues,
    )
  return [...new Set(all.map((a) => a.fileId))]
}

/** The form checked against its template (a draft's required fields may wait) and its files against the drive. */
const checkedInput = async (
  caller: TenantCaller,
  template: TemplateView,
  form: Record<string, unknown>,
  draft: boolean,
) => {
  const checked = checkedForm(template.fields, form, draft)
  return {
    form: JSON.stringify(checked),
    attachments: await checkedAttachments(caller, formAttachments(template.fields, checked)),
  }
}

/** What a change to a request writes besides it, audits, and who is told afterwards. */
interface Change {
  next: Partial<Request>
  writes?: WriteItem[]
  /** labelled checks whose failure `failures` explains */
  checks?: [label: 'approvers' | 'edition', writes: WriteItem[]][]
  action?: string
  notices?: { to: string[]; kind: string; title: string }[]
}

const failures = (requestStale: () => Error) => ({
  request: requestStale,
  edition: () =>
    new AppError('PLAN_LIMIT_EXCEEDED', "the workbench's edition does not include approvals", {
      app: APPROVALS_APP,
    }),
  approvers: () => new AppError('INVALID_STATE', 'an approver of the first step is not an active member'),
})

/**
 * Writes a request as changed (`before` undefined: a new one) with its effects, checks and audit in
 * one transaction conditioned on the version read, then tells whom the change concerns.
 */
const write = async (ctx: TenantContext, before: Request | undefined, r: Request, change: Change) => {
  const updated: Request = {
    ...r,
    ...change.next,
    version: (before?.version ?? 0) + 1,
    updatedAt: change.next.updatedAt ?? nowIso(),
  }
  const tx = transaction().add(
    'request',
    RequestEntity.build(PutTransaction)
      .item(updated)
      .options({
        condition: before ? { attr: 'version', eq: before.version } : { attr: 'requestId', exists: false },
      }),
  )
  if (change.writes?.length) tx.add('effects', ...change.writes)
  for (const [label, writes] of change.checks ?? []) if (writes.length > 0) tx.add(label, ...writes)
  if (change.action)
    tx.add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: change.action, targetId: r.requestId }),
    )
  await tx.run(failures(() => new StaleRead('changed meanwhile')))
  // the change stands once committed: a notice that fails is logged, never answered as a failure
  // (a retry of the call would meet the new version and change nothing)
  for (const n of change.notices ?? [])
    await notifyMembers(ctx.tenantId, n.to, {
      kind: `approvals.${n.kind}`,
      title: n.title,
      link: requestLink(r.requestId),
      ref: r.requestId,
    }).catch((err) => log.error('approval notices not delivered', { kind: n.kind, ...errorSite(err) }))
  return updated
}

/**
 * A submission's change: the approvers of every step resolved and kept, the first step's approvers
 * given a todo each (and checked active), the edition's approvals app checked, and the request
 * listed for the tenant's administrators from now on.
 */
const submission = async (ctx: TenantContext, r: Request, template: TemplateView): Promise<Change> => {
  const steps = await Promise.all(template.steps.map((s, i) => resolveStep(ctx, s, i)))
  const at = nowIso()
  const next: Request = {
    ...r,
    status: 'pending',
    currentStep: 0,
    steps: JSON.stringify(steps),
    createdAt: at,
    updatedAt: at,
    GSI1SK: `${at}#${r.requestId}`,
    GSI2PK: allPartition(ctx.tenantId),
    GSI2SK: `${at}#${r.requestId}`,
  }
  const first = steps[0] as Step
  return {
    next,
    writes: openStepWrites(ctx, next, first, 0),
    checks: [
      [
        'approvers',
        first.approvers.map((id) => membershipActive({ realm: 'tenant', ctx: ctx.tenantId, accountId: id })),
      ],
      ['edition', [tenantAppStill(ctx.tenantId, APPROVALS_APP, 'active')]],
    ],
    action: 'approval.submitted',
  }
}

/**
 * A request on a template, submitted at once or kept as the applicant's draft: the form is checked
 * against its fields (a draft's required ones may wait) and its attachments against the drive. A
 * draft is the applicant's alone until submitted; both need the edition's approvals app.
 */
export const createRequest = async (
  caller: TenantCaller,
  input: { templateId: string; form: Record<string, unknown>; draft?: boolean },
) => {
  const ctx = caller.tenant
  const template = await getTemplate(ctx, input.templateId)
  const checked = await checkedInput(caller, template, input.form, input.draft === true)
  const at = nowIso()
  const requestId = newId()
  const draft: Request = {
    tenantId: ctx.tenantId,
    requestId,
    templateId: template.templateId,
    templateName: template.name,
    applicantId: ctx.actor.accountId,
    form: checked.form,
    attachments: checked.attachments,
    status: 'draft',
    currentStep: 0,
    steps: '[]',
    version: 0,
    createdAt: at,
    updatedAt: at,
    GSI1PK: minePartition(ctx.tenantId, ctx.actor.accountId),
    GSI1SK: `${at}#${requestId}`,
  }
  const change: Change = input.draft
    ? { next: {}, checks: [['edition', [tenantAppStill(ctx.tenantId, APPROVALS_APP, 'active')]]] }
    : await submission(ctx, draft, template)
  return view(await write(ctx, undefined, draft, change))
}

const readRequest = async (scope: TenantScope, requestId: string) =>
  (
    await RequestEntity.build(GetItemCommand)
      .key({ tenantId: scope.tenantId, requestId })
      .options({ consistent: true })
      .send()
  ).Item

/** Its applicant, and once submitted its approvers (every step's). */
const isParticipant = (memberId: string, r: Request) =>
  r.applicantId === memberId ||
  (r.status !== 'draft' && stepsOf(r).some((s) => s.approvers.includes(memberId)))

/** Whether the caller may see a request: a participant, or (once submitted) an admin of approvals. */
const mayRead = (ctx: TenantContext, r: Request) =>
  isParticipant(ctx.actor.accountId, r) ||
  (r.status !== 'draft' && ctx.actor.permissions.includes('approvals.write'))

/** A request with its comments: one consistent query of its prefix. */
export const getRequest = async (ctx: TenantContext, requestId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(RequestEntity, CommentEntity)
    .query({ partition: tenantPartition(ctx.tenantId), range: { beginsWith: requestPrefix(requestId) } })
    .options({ consistent: true, maxPages: Number.POSITIVE_INFINITY })
    .send()
  const r = Items.find((i): i is Request => 'applicantId' in i && i.requestId === requestId)
  if (!r || !mayRead(ctx, r)) throw notFound('approval request')
  return view(
    r,
    Items.filter((i): i is Comment => 'commentId' in i),
  )
}

/**
 * Commits a change computed from a read of the request, conditioned on its version: of changes
 * made at once, one commits; the others read again and are applied to what it left (an `all`
 * step counts every approver once) or refused when their step is over.
 */
const commit = (
  ctx: TenantContext,
  requestId: string,
  change: (r: Request, steps: Step[]) => Change | Promise<Change>,
) =>
  retryOnConflict(async () => {
    const r = await readRequest(ctx, requestId)
    if (!r || !mayRead(ctx, r)) throw notFound('approval request')
    return view(await write(ctx, r, r, await change(r, stepsOf(r))))
  }, 40)

const notPending = () => new AppError('INVALID_STATE', 'the request is no longer pending')

/** An approver decides their step: `any` ends it at the first decision, `all` at every approval or any rejection. */
export const decide = (
  ctx: TenantContext,
  requestId: string,
  input: { decision: 'approved' | 'rejected'; comment?: string },
) =>
  commit(ctx, requestId, (r, steps) => {
    const me = ctx.actor.accountId
    if (r.status !== 'pending') throw notPending()
    const index = r.currentStep
    const step = steps[index] as Step
    if (!step.approvers.includes(me))
      throw new AppError('FORBIDDEN', 'the caller is not an approver of the current step')
    if (step.decisions.some((d) => d.approverId === me))
      throw new AppError('INVALID_STATE', 'the caller has decided this step')
    step.decisions.push({ approverId: me, decision: input.decision, comment: input.comment, at: nowIso() })
    const stepDone =
      step.mode === 'any' || input.decision === 'rejected' || step.decisions.length === step.approvers.length
    if (!stepDone) {
      return {
        next: { steps: JSON.stringify(steps) },
        writes: closeWrites(ctx, r, index, [me]),
        action: `approval.${input.decision}`,
      }
    }
    const undecided = step.approvers.filter(
      (id) => id === me || !step.decisions.some((d) => d.approverId === id),
    )
    const writes = closeWrites(ctx, r, index, undecided)
    const last = index === steps.length - 1
    if (input.decision === 'approved' && !last) {
      const nextStep = steps[index + 1] as Step
      writes.push(...openStepWrites(ctx, r, nextStep, index + 1))
      return {
        next: { steps: JSON.stringify(steps), currentStep: index + 1 },
        writes,
        action: 'approval.step.approved',
        notices: [
          {
            to: [r.applicantId],
            kind: 'step',
            title: `${r.templateName}: step ${index + 1} of ${steps.length} approved`,
          },
        ],
      }
    }
    return {
      next: { steps: JSON.stringify(steps), status: input.decision },
      writes,
      action: `approval.${input.decision}`,
      notices: [{ to: [r.applicantId], kind: input.decision, title: `${r.templateName}: ${input.decision}` }],
    }
  })

/** The applicant withdraws a pending request: its approvers' todos close and they are told. */
export const withdraw = (ctx: TenantContext, requestId: string) =>
  commit(ctx, requestId, (r, steps) => {
    if (r.applicantId !== ctx.actor.accountId)
      throw new AppError('FORBIDDEN', 'only the applicant withdraws a request')
    if (r.status !== 'pending') throw notPending()
    const step = steps[r.currentStep] as Step
    const undecided = step.approvers.filter((id) => !step.decisions.some((d) => d.approverId === id))
    return {
      next: { status: 'withdrawn' },
      writes: closeWrites(ctx, r, r.currentStep, undecided),
      action: 'approval.withdrawn',
      notices: [{ to: undecided, kind: 'withdrawn', title: `${r.templateName}: withdrawn by the applicant` }],
    }
  })

const ownDraft = (ctx: TenantContext, r: Request) => {
  if (r.applicantId !== ctx.actor.accountId) throw new AppError('FORBIDDEN', 'a draft is its applicant’s')
  if (r.status !== 'draft') throw new AppError('INVALID_STATE', 'the request is no longer a draft')
}

/** The applicant changes their draft's form (checked as a draft's). */
export const editDraft = (caller: TenantCaller, requestId: string, form: Record<string, unknown>) =>
  commit(caller.tenant, requestId, async (r) => {
    ownDraft(caller.tenant, r)
    const checked = await checkedInput(caller, await getTemplate(caller.tenant, r.templateId), form, true)
    return { next: checked }
  })

/** The applicant submits their draft, its form checked in full (as a new request's). */
export const submitDraft = (caller: TenantCaller, requestId: string) =>
  commit(caller.tenant, requestId, async (r) => {
    ownDraft(caller.tenant, r)
    const template = await getTemplate(caller.tenant, r.templateId)
    await checkedInput(caller, template, JSON.parse(r.form), false)
    return submission(caller.tenant, r, template)
  })

/** The applicant deletes their draft (a submitted request is withdrawn, not deleted). */
export const deleteDraft = async (ctx: TenantContext, requestId: string) => {
  const r = await readRequest(ctx, requestId)
  if (!r || !mayRead(ctx, r)) throw notFound('approval request')
  ownDraft(ctx, r)
  try {
    await RequestEntity.build(DeleteItemCommand)
      .key({ tenantId: ctx.tenantId, requestId })
      .options({ condition: { attr: 'version', eq: r.version } })
      .send()
  } catch (err) {
    if (isConditionFailure(err)) throw new AppError('CONFLICT', 'the draft changed meanwhile')
    throw err
  }
}

/** At most this many comments on a request: its detail stays one small query. */
export const MAX_COMMENTS = 100

/**
 * A participant comments on a submitted request, optionally attaching drive files they may read
 * (participants download them through the request). Counted on the request under its version, so
 * a comment never undoes a decision made at the same time; the other participants reached so far
 * (the applicant, approvers of the steps up to the current one) are told.
 */
export const addComment = async (
  caller: TenantCaller,
  requestId: string,
  input: { text: string; attachments?: string[] },
) => {
  await commit(caller.tenant, requestId, async (r, steps) => {
    const me = caller.tenant.actor.accountId
    if (r.status === 'draft' || !isParticipant(me, r))
      throw new AppError('FORBIDDEN', 'only the applicant and the approvers comment on a request')
    const count = r.commentCount ?? 0
    if (count >= MAX_COMMENTS)
      throw new AppError('INVALID_STATE', `a request takes at most ${MAX_COMMENTS} comments`)
    const files = await checkedAttachments(caller, [
      { path: 'body.attachments', fileIds: input.attachments ?? [] },
    ])
    const reached = [r.applicantId, ...steps.slice(0, r.currentStep + 1).flatMap((s) => s.approvers)]
    return {
      next: {
        commentCount: count + 1,
        attachments: [...new Set([...(r.attachments ?? []), ...files])],
      },
      writes: [
        CommentEntity.build(PutTransaction).item({
          tenantId: caller.tenant.tenantId,
          requestId,
          commentId: newId(),
          authorId: me,
          text: input.text,
          attachments: files.length > 0 ? files : undefined,
          createdAt: nowIso(),
        }),
      ],
      notices: [
        {
          to: reached.filter((id) => id !== me),
          kind: 'comment',
          title: `${r.templateName}: a new comment`,
        },
      ],
    }
  })
  return getRequest(caller.tenant, requestId)
}

/**
 * A short-lived download of a file attached to a request, for its participants and the admins who
 * may read it, whether or not the drive would show them the file: its attachment was checked
 * against the drive of whoever attached it.
 */
export const attachmentOf = async (ctx: TenantContext, requestId: string, fileId: string) => {
  const r = await readRequest(ctx, requestId)
  if (!r || !mayRead(ctx, r)) throw notFound('approval request')
  if (!(r.attachments ?? []).includes(fileId)) throw notFound('attachment')
  return attachmentDownload(ctx.tenantId, fileId)
}

const summary = (r: {
  requestId: string
  templateName: string
  applicantId: string
  createdAt: string
  status?: string
}) => ({
  requestId: r.requestId,
  templateName: r.templateName,
  applicantId: r.applicantId,
  status: (r.status ?? 'pending') as RequestView['status'],
  createdAt: r.createdAt,
})

/** The caller's requests and drafts, newest first: one range read. */
export const myRequests = async (ctx: TenantContext, limit: number, cursor?: string) => {
  const page = await queryPage(RequestEntity, {
    index: 'GSI1',
    partition: minePartition(ctx.tenantId, ctx.actor.accountId),
    limit,
    cursor,
    reverse: true,
  })
  return { items: page.items.map(summary), nextCursor: page.nextCursor }
}

/** The requests awaiting the caller's decision: one range read of their waiting places. */
export const awaitingMe = async (ctx: TenantContext, limit: number, cursor?: string) => {
  const page = await queryPage(WaitingEntity, {
    partition: tenantPartition(ctx.tenantId),
    prefix: `APWAIT#${ctx.actor.accountId}#`,
    limit,
    cursor,
  })
  return { items: page.items.map(summary), nextCursor: page.nextCursor }
}

/** Every submitted request of the tenant, newest first (admins of approvals): one range read. */
export const allRequests = async (ctx: TenantContext, limit: number, cursor?: string) => {
  const page = await queryPage(RequestEntity, {
    index: 'GSI2',
    partition: allPartition(ctx.tenantId),
    limit,
    cursor,
    reverse: true,
  })
  return { items: page.items.map(summary), nextCursor: page.nextCursor }
}
