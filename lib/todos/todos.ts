import { createHash } from 'node:crypto'
import {
  $add,
  BatchGetRequest,
  DeleteTransaction,
  type FormattedItem,
  GetItemCommand,
  PutTransaction,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { type Page, queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { base32, newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { membershipActive } from '../identity/accounts.js'
import { assignedPartition, centrePartition, centreSortKey, TodoCountEntity, TodoEntity } from './entities.js'
import { HOME_TODOS, type TodoChange, type TodoInput, type TodoView } from './schemas.js'

export type Todo = FormattedItem<typeof TodoEntity>

/** The edition's app a tenant needs for its members to put todos in the todo centre. */
export const TODOS_APP = 'todos'

export const todoView = (t: Todo): TodoView => ({
  todoId: t.todoId,
  title: t.title,
  notes: t.notes,
  due: t.due,
  done: t.done,
  doneAt: t.doneAt,
  ownerId: t.ownerId,
  assignedBy: t.assignedBy,
  source: t.appCode ? 'app' : 'member',
  app: t.appCode ? { appId: t.appCode, name: t.appName ?? t.appCode, iconUrl: t.appIcon } : undefined,
  link: t.link,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
})

/** An app's todo has one id per app and the app's own id for it, so a retried push finds it. */
export const appTodoId = (appCode: string, externalId: string) =>
  `a${base32(createHash('sha256').update(`${appCode}\n${externalId}`).digest()).slice(0, 26)}`

export const readTodo = async (scope: TenantScope, todoId: string) =>
  (
    await TodoEntity.build(GetItemCommand)
      .key({ tenantId: scope.tenantId, todoId })
      .options({ consistent: true })
      .send()
  ).Item

const countWrite = (scope: TenantScope, memberId: string, by: number) =>
  TodoCountEntity.build(UpdateTransaction).item({ tenantId: scope.tenantId, memberId, open: $add(by) })

/** A todo to put in someone's list, whoever puts it there (a member, an app, a built-in app). */
export interface NewTodo {
  ownerId: string
  title: string
  notes?: string
  due?: string
  /** who writes it: a member's id, or `app:<appCode>` */
  createdBy: string
  assignedBy?: string
  app?: { appCode: string; name: string; iconUrl?: string; externalId: string; link?: string }
}

/**
 * The writes that put an open todo in its owner's list and count it: for a caller that commits them
 * with its own (a built-in app's step and its approvers' todos in one transaction). The todo's
 * write is conditioned on its id being new.
 */
export const todoWrites = (scope: TenantScope, n: NewTodo): { todo: Todo; writes: WriteItem[] } => {
  const at = nowIso()
  const todoId = n.app ? appTodoId(n.app.appCode, n.app.externalId) : newId()
  const assigned = n.assignedBy !== undefined && n.assignedBy !== n.ownerId
  const todo: Todo = {
    tenantId: scope.tenantId,
    todoId,
    ownerId: n.ownerId,
    title: n.title,
    notes: n.notes,
    due: n.due,
    done: false,
    createdAt: at,
    createdBy: n.createdBy,
    updatedAt: at,
    rev: 1,
    ...(assigned
      ? {
          assignedBy: n.assignedBy,
          GSI2PK: assignedPartition(scope.tenantId, n.assignedBy as string),
          GSI2SK: `${at}#${todoId}`,
        }
      : {}),
    ...(n.app
      ? {
          appCode: n.app.appCode,
          appName: n.app.name,
          appIcon: n.app.iconUrl,
          externalId: n.app.externalId,
          link: n.app.link,
        }
      : {}),
    GSI1PK: centrePartition(scope.tenantId, n.ownerId),
    GSI1SK: centreSortKey({ done: false, due: n.due, todoId }),
  }
  return {
    todo,
    writes: [
      TodoEntity.build(PutTransaction)
        .item(todo)
        .options({ condition: { attr: 'todoId', exists: false } }),
      countWrite(scope, n.ownerId, 1),
    ],
  }
}

/**
 * The writes that close an open todo a built-in app put in someone's list (`todoWrites` with
 * `app`): conditioned on it being open, so it is closed (and uncounted) once.
 */
export const closeTodoWrites = (
  scope: TenantScope,
  t: { ownerId: string; appCode: string; externalId: string; due?: string },
): WriteItem[] => {
  const todoId = appTodoId(t.appCode, t.externalId)
  const at = nowIso()
  return [
    TodoEntity.build(UpdateTransaction)
      .item({
        tenantId: scope.tenantId,
        todoId,
        done: true,
        doneAt: at,
        updatedAt: at,
        rev: $add(1),
        GSI1SK: centreSortKey({ done: true, due: t.due, todoId }),
      })
      .options({ condition: { attr: 'done', eq: false } }),
    countWrite(scope, t.ownerId, -1),
  ]
}

/**
 * Rewrites a todo from a fresh read: `change` says what it becomes (or throws why not). The write
 * is conditioned on the revision read and moves the open count with the todo, so two changes at
 * once (a tick and an edit) are applied one after the other, never one over the other.
 */
export const rewriteTodo = (
  scope: TenantScope,
  todoId: string,
  change: (t: Todo) => Partial<Todo> | undefined,
): Promise<Todo> =>
  retryOnConflict(async () => {
    const t = await readTodo(scope, todoId)
    if (!t) throw notFound('todo')
    const set = change(t)
    if (set === undefined) return t
    const next: Todo = { ...t, ...set, updatedAt: nowIso(), rev: t.rev + 1 }
    for (const k of Object.keys(next) as (keyof Todo)[]) if (next[k] === undefined) delete next[k]
    next.GSI1SK = centreSortKey(next)
    const tx = transaction().add(
      'todo',
      TodoEntity.build(PutTransaction)
        .item(next)
        .options({ condition: { attr: 'rev', eq: t.rev } }),
    )
    if (next.done !== t.done) tx.add('count', countWrite(scope, t.ownerId, next.done ? -1 : 1))
    try {
      await tx.run()
    } catch (err) {
      if (err instanceof ConditionsFailed) throw new StaleRead('the todo changed meanwhile')
      throw err
    }
    return next
  })

/** Whether the caller may see the todo: it is in their list, or they assigned it. */
const visibleTo = (ctx: TenantContext, t: Todo) =>
  t.ownerId === ctx.actor.accountId || t.assignedBy === ctx.actor.accountId

const ownTodo = (ctx: TenantContext, t: Todo) => {
  // someone else's todo is as good as absent
  if (!visibleTo(ctx, t)) throw notFound('todo')
  if (t.appCode) {
    throw new AppError('INVALID_STATE', 'an app keeps this todo: it changes and closes it (follow its link)')
  }
}

/** Ticking a todo off (or opening it again); nothing when it already is as asked. */
export const doneChange = (t: Todo, done: boolean | undefined): Partial<Todo> =>
  done === undefined || done === t.done ? {} : { done, doneAt: done ? nowIso() : undefined }

/**
 * A member's todo: in their own list, or (`assigneeId`) in a colleague's, who must be an active
 * member of the same tenant (checked in the transaction). The tenant's edition must include the
 * todos app (checked there too). An assignment is audited.
 */
export const createTodo = async (ctx: TenantContext, input: TodoInput): Promise<TodoView> => {
  const me = ctx.actor.accountId
  const ownerId = input.assigneeId ?? me
  const { todo, writes } = todoWrites(ctx, {
    ownerId,
    title: input.title,
    notes: input.notes,
    due: input.due,
    createdBy: me,
    assignedBy: me,
  })
  const tx = transaction()
    .add('todo', ...writes)
    .add('edition', tenantAppStill(ctx.tenantId, TODOS_APP, 'active'))
  if (ownerId !== me) {
    tx.add('assignee', membershipActive({ realm: 'tenant', ctx: ctx.tenantId, accountId: ownerId })).add(
      'audit',
      auditWrite(ctx, { actorId: me, action: 'todo.assigned', targetId: todo.todoId, detail: ownerId }),
    )
  }
  await tx.run({
    edition: () =>
      new AppError('PLAN_LIMIT_EXCEEDED', "the workbench's edition does not include todos", {
        app: TODOS_APP,
      }),
    assignee: () =>
      new AppError('VALIDATION_FAILED', 'the assignee is not an active member of this workbench', [
        { path: 'body.assigneeId', message: 'not an active member of this workbench' },
      ]),
  })
  return todoView(todo)
}

export const getTodo = async (ctx: TenantContext, todoId: string): Promise<TodoView> => {
  const t = await readTodo(ctx, todoId)
  if (!t || !visibleTo(ctx, t)) throw notFound('todo')
  return todoView(t)
}

/**
 * Changes a todo: its owner changes anything and ticks it off; the colleague who assigned it
 * changes its text and due date (ticking it off is the owner's). An app's todo is the app's.
 */
export const updateTodo = async (ctx: TenantContext, todoId: string, change: TodoChange) =>
  todoView(
    await rewriteTodo(ctx, todoId, (t) => {
      ownTodo(ctx, t)
      if (change.done !== undefined && t.ownerId !== ctx.actor.accountId) {
        throw new AppError('FORBIDDEN', 'only the owner of a todo ticks it off')
      }
      return {
        ...(change.title === undefined ? {} : { title: change.title }),
        ...(change.notes === undefined ? {} : { notes: change.notes ?? undefined }),
        ...(change.due === undefined ? {} : { due: change.due ?? undefined }),
        ...doneChange(t, change.done),
      }
    }),
  )

/** Deletes a member's todo (its owner, or who assigned it): an open one leaves the count. */
export const deleteTodo = (ctx: TenantContext, todoId: string) =>
  retryOnConflict(async () => {
    const t = await readTodo(ctx, todoId)
    if (!t) throw notFound('todo')
    ownTodo(ctx, t)
    const tx = transaction().add(
      'todo',
      TodoEntity.build(DeleteTransaction)
        .key({ tenantId: ctx.tenantId, todoId })
        .options({ condition: { attr: 'rev', eq: t.rev } }),
    )
    if (!t.done) tx.add('count', countWrite(ctx, t.ownerId, -1))
    try {
      await tx.run()
    } catch (err) {
      if (err instanceof ConditionsFailed) throw new StaleRead('the todo changed meanwhile')
      throw err
    }
  })

/** A member's open-todo count, for a caller that batches it with reads of its own (the home page). */
export const openTodoCountRequest = (scope: TenantScope, memberId: string) =>
  TodoCountEntity.build(BatchGetRequest).key({ tenantId: scope.tenantId, memberId })

export const openTodoCountOf = (item: { open?: unknown } | undefined) => Math.max(0, Number(item?.open ?? 0))

const openCount = async (scope: TenantScope, memberId: string) =>
  openTodoCountOf(
    (
      await TodoCountEntity.build(GetItemCommand)
        .key({ tenantId: scope.tenantId, memberId })
        .options({ consistent: true })
        .send()
    ).Item,
  )

const centrePage = (
  scope: TenantScope,
  memberId: string,
  state: 'open' | 'done' | 'all',
  limit: number,
  cursor?: string,
): Promise<Page<Todo>> =>
  queryPage(TodoEntity, {
    index: 'GSI1',
    partition: centrePartition(scope.tenantId, memberId),
    prefix: state === 'open' ? '0#' : state === 'done' ? '1#' : undefined,
    limit,
    cursor,
  })

/**
 * The member's todo centre: their own todos, those colleagues assigned them and those apps pushed,
 * open ones first by due date (undated last), then done ones; with the open count. Two requests in
 * parallel (one range read, one counter), whatever the tenant's size.
 */
export const todoCentre = async (
  ctx: TenantContext,
  query: { state: 'open' | 'done' | 'all'; limit: number; cursor?: string },
) => {
  const me = ctx.actor.accountId
  const [page, count] = await Promise.all([
    centrePage(ctx, me, query.state, query.limit, query.cursor),
    openCount(ctx, me),
  ])
  return { items: page.items.map(todoView), nextCursor: page.nextCursor, openCount: count }
}

/** The member's first `n` open todos, soonest due first, in the home page's shape: one range read. */
export const firstOpenTodos = async (scope: TenantScope, memberId: string, n = HOME_TODOS) =>
  (await centrePage(scope, memberId, 'open', n)).items.map((t) => ({
    todoId: t.todoId,
    title: t.title,
    due: t.due,
  }))

/** What the home page shows: the first `n` open todos and the open count, two requests in parallel. */
export const homeTodos = async (scope: TenantScope, memberId: string, n = HOME_TODOS) => {
  const [items, count] = await Promise.all([firstOpenTodos(scope, memberId, n), openCount(scope, memberId)])
  return { items, count }
}

/** What the caller assigned to colleagues, newest first, each with its state. One range read. */
export const assignedTodos = async (ctx: TenantContext, limit: number, cursor?: string) => {
  const page = await queryPage(TodoEntity, {
    index: 'GSI2',
    partition: assignedPartition(ctx.tenantId, ctx.actor.accountId),
    limit,
    cursor,
    reverse: true,
  })
  return { items: page.items.map(todoView), nextCursor: page.nextCursor }
}
