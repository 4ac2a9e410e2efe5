import { DeleteTransaction, type FormattedItem, GetItemCommand, PutTransaction } from 'dynamodb-toolbox'
import * as z from 'zod'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { getDepartment } from '../directory/departments.js'
import { activeRoleHolderIds, getMembership, membershipActive } from '../identity/accounts.js'
import { closeTodoWrites, todoWrites } from '../todos/todos.js'
import { allPartition, minePartition, RequestEntity, WaitingEntity } from './entities.js'
import { type RequestView, type Step, StepSchema, type StepSpec } from './schemas.js'
import { checkedForm, getTemplate } from './templates.js'

type Request = FormattedItem<typeof RequestEntity>

/** The edition's app a tenant needs to submit approvals (the industrial editions). */
export const APPROVALS_APP = 'approvals'

const stepsOf = (r: Request) => z.array(StepSchema).parse(JSON.parse(r.steps))

const view = (r: Request): RequestView => ({
  requestId: r.requestId,
  templateId: r.templateId,
  templateName: r.templateName,
  applicantId: r.applicantId,
  form: JSON.parse(r.form),
  status: r.status,
  currentStep: r.currentStep,
  steps: stepsOf(r),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
})

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

/** The writes that open a step: each approver's waiting place and todo (and that they are active). */
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
      title: `Approval: ${r.templateName}`,
      createdBy: `app:${APPROVALS_APP}`,
      app: {
        appCode: APPROVALS_APP,
        name: 'Approvals',
        externalId: todoOf(r.requestId, index, approverId).externalId,
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
 * Submits a request on a template: the form is checked against its fields, the approvers of every
 * step resolved and kept, and the first step's approvers get a todo each, in one transaction that
 * also checks the edition's approvals app and that the first step's approvers are active members.
 */
export const submitRequest = async (
  ctx: TenantContext,
  input: { templateId: string; form: Record<string, unknown> },
) => {
  const template = await getTemplate(ctx, input.templateId)
  const form = checkedForm(template.fields, input.form)
  const steps = await Promise.all(template.steps.map((s, i) => resolveStep(ctx, s, i)))
  const at = nowIso()
  const requestId = newId()
  const r: Request = {
    tenantId: ctx.tenantId,
    requestId,
    templateId: template.templateId,
    templateName: template.name,
    applicantId: ctx.actor.accountId,
    form: JSON.stringify(form),
    status: 'pending',
    currentStep: 0,
    steps: JSON.stringify(steps),
    version: 1,
    createdAt: at,
    updatedAt: at,
    GSI1PK: minePartition(ctx.tenantId, ctx.actor.accountId),
    GSI1SK: `${at}#${requestId}`,
    GSI2PK: allPartition(ctx.tenantId),
    GSI2SK: `${at}#${requestId}`,
  }
  const first = steps[0] as Step
  await transaction()
    .add(
      'request',
      RequestEntity.build(PutTransaction)
        .item(r)
        .options({ condition: { attr: 'requestId', exists: false } }),
    )
    .add('step', ...openStepWrites(ctx, r, first, 0))
    .add(
      'approvers',
      ...first.approvers.map((id) => membershipActive({ realm: 'tenant', ctx: ctx.tenantId, accountId: id })),
    )
    .add('edition', tenantAppStill(ctx.tenantId, APPROVALS_APP, 'active'))
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'approval.submitted', targetId: requestId }),
    )
    .run({
      edition: () =>
        new AppError('PLAN_LIMIT_EXCEEDED', "the workbench's edition does not include approvals", {
          app: APPROVALS_APP,
        }),
      approvers: () => new AppError('INVALID_STATE', 'an approver of the first step is not an active member'),
    })
  return view(r)
}

const readRequest = async (scope: TenantScope, requestId: string) =>
  (
    await RequestEntity.build(GetItemCommand)
      .key({ tenantId: scope.tenantId, requestId })
      .options({ consistent: true })
      .send()
  ).Item

/** Whether the caller may see a request: its applicant, one of its approvers, or an admin of approvals. */
const mayRead = (ctx: TenantContext, r: Request) =>
  r.applicantId === ctx.actor.accountId ||
  stepsOf(r).some((s) => s.approvers.includes(ctx.actor.accountId)) ||
  ctx.actor.permissions.includes('approvals.write')

export const getRequest = async (ctx: TenantContext, requestId: string) => {
  const r = await readRequest(ctx, requestId)
  if (!r || !mayRead(ctx, r)) throw notFound('approval request')
  return view(r)
}

/**
 * Commits a change computed from a read of the request, conditioned on its version: of decisions
 * made at once, one commits; the others read again and are applied to what it left (an `all`
 * step counts every approver once) or refused when their step is over.
 */
const commit = (
  ctx: TenantContext,
  requestId: string,
  change: (r: Request, steps: Step[]) => { next: Partial<Request>; writes: WriteItem[]; action: string },
) =>
  retryOnConflict(async () => {
    const r = await readRequest(ctx, requestId)
    if (!r || !mayRead(ctx, r)) throw notFound('approval request')
    const { next, writes, action } = change(r, stepsOf(r))
    const updated: Request = { ...r, ...next, version: r.version + 1, updatedAt: nowIso() }
    try {
      await transaction()
        .add(
          'request',
          RequestEntity.build(PutTransaction)
            .item(updated)
            .options({ condition: { attr: 'version', eq: r.version } }),
        )
        .add('effects', ...writes)
        .add('audit', auditWrite(ctx, { actorId: ctx.actor.accountId, action, targetId: requestId }))
        .run()
    } catch (err) {
      if (err instanceof ConditionsFailed && err.has('request')) throw new StaleRead('decided meanwhile')
      throw err
    }
    return view(updated)
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
      }
    }
    return {
      next: { steps: JSON.stringify(steps), status: input.decision },
      writes,
      action: `approval.${input.decision}`,
    }
  })

/** The applicant withdraws a pending request: its approvers' todos close. */
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
    }
  })

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

/** The caller's requests, newest first: one range read. */
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

/** Every request of the tenant, newest first (admins of approvals): one range read. */
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
