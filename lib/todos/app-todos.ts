import { clientOf } from '../apps/clients.js'
import type { AppView } from '../apps/schemas.js'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { type TenantId, type TenantScope, trustedTenantId } from '../core/tenancy.js'
import { accountName, memberOfAccountName } from '../identity/account-names.js'
import { appIdentity, type Refusal, refusalError } from '../sso/identity.js'
import type { AppTodoChange, AppTodoInput } from './schemas.js'
import { appTodoId, doneChange, readTodo, rewriteTodo, TODOS_APP, type Todo, todoWrites } from './todos.js'

type Credentials = { clientId: string; clientSecret: string }

const invalidClient = () => new AppError('INVALID_CLIENT', 'client authentication failed')

/** Refusals about the app or the tenant: they stop every call, closing a todo too. */
const APP_REFUSALS: readonly Refusal[] = ['tenant_inactive', 'no_such_app', 'app_disabled', 'app_lapsed']

/**
 * The origins an app registered (its home page, redirect URIs, CAS services): the only places its
 * todos may link to, so a todo in the workbench is never a way to send a member somewhere else.
 */
export const appOrigins = (v: AppView) =>
  new Set(
    [v.homeUrl, ...v.redirectUris, ...v.casServices.map((s) => s.replace(/\/\*$/, ''))].flatMap((u) => {
      try {
        return u ? [new URL(u).origin] : []
      } catch {
        return []
      }
    }),
  )

const checkLink = (v: AppView, link: string | undefined) => {
  if (link !== undefined && !appOrigins(v).has(new URL(link).origin)) {
    throw new AppError('VALIDATION_FAILED', 'invalid body.link', [
      {
        path: 'body.link',
        message: "not at one of the app's registered addresses (home page, redirect URIs, CAS services)",
      },
    ])
  }
}

/** Which tenant and app the client is (its guard), before anything else is read. */
const clientPlace = async (credentials: Credentials) => {
  const client = await clientOf(credentials.clientId)
  if (!client) throw invalidClient()
  return { tenantId: trustedTenantId(client.tenantId), appCode: client.appCode }
}

/**
 * The app's standing with the member (one read: `appIdentity`), with the client's secret checked
 * against it. A member's own refusals (gone, disabled, not entitled) stop creating and changing a
 * todo, not closing one.
 */
const standing = async (
  place: { tenantId: TenantId; appCode: string },
  memberId: string,
  credentials: Credentials,
  forMember: boolean,
) => {
  const result = await appIdentity(place.tenantId, place.appCode, memberId)
  const app = result.app
  if (!app || app.clientId !== credentials.clientId || !app.secretMatches(credentials.clientSecret)) {
    throw invalidClient()
  }
  if (!result.ok && (forMember || APP_REFUSALS.includes(result.refusal))) throw refusalError(result.refusal)
  return app.view
}

const appTodoView = (scope: TenantScope, t: Todo) => ({
  externalId: t.externalId as string,
  userId: accountName(scope.tenantId, t.ownerId),
  title: t.title,
  notes: t.notes,
  due: t.due,
  link: t.link,
  done: t.done,
  doneAt: t.doneAt,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
})

/**
 * An app puts a todo in a member's todo centre, naming the member as sign-in gave them to it and
 * the todo by its own id. Pushing the same id again answers the todo as it is (a retry creates
 * nothing twice); the same id for another member is a conflict. The member must be entitled to the
 * app, the app enabled, the link at one of its registered origins, and the tenant's edition must
 * include todos (checked in the transaction).
 */
export const pushAppTodo = async (credentials: Credentials, input: AppTodoInput) => {
  const place = await clientPlace(credentials)
  const memberId = await memberOfAccountName(place.tenantId, input.userId)
  if (!memberId) throw notFound('member')
  const view = await standing(place, memberId, credentials, true)
  checkLink(view, input.link)
  const scope = { tenantId: place.tenantId }
  const { todo, writes } = todoWrites(scope, {
    ownerId: memberId,
    title: input.title,
    notes: input.notes,
    due: input.due,
    createdBy: `app:${place.appCode}`,
    app: {
      appCode: place.appCode,
      name: view.name,
      iconUrl: view.iconUrl,
      externalId: input.externalId,
      link: input.link,
    },
  })
  try {
    await transaction()
      .add('todo', ...writes)
      .add('edition', tenantAppStill(place.tenantId, TODOS_APP, 'active'))
      .run({
        edition: () =>
          new AppError('PLAN_LIMIT_EXCEEDED', "the workbench's edition does not include todos", {
            app: TODOS_APP,
          }),
      })
    return appTodoView(scope, todo)
  } catch (err) {
    if (!(err instanceof ConditionsFailed && err.has('todo'))) throw err
    const held = await readTodo(scope, todo.todoId)
    if (!held || held.ownerId !== memberId) {
      throw new AppError('CONFLICT', "the app's id names a todo of another member", {
        externalId: input.externalId,
      })
    }
    return appTodoView(scope, held)
  }
}

/** The app's own todo, with the app's standing for its member checked. */
const appTodo = async (credentials: Credentials, externalId: string, forMember: boolean) => {
  const place = await clientPlace(credentials)
  const scope = { tenantId: place.tenantId }
  const todoId = appTodoId(place.appCode, externalId)
  const held = await readTodo(scope, todoId)
  if (!held) throw notFound('todo')
  const view = await standing(place, held.ownerId, credentials, forMember)
  return { scope, todoId, view }
}

/** The app changes its todo (text, due date, link; `done` closes or reopens it). */
export const changeAppTodo = async (credentials: Credentials, externalId: string, change: AppTodoChange) => {
  const { scope, todoId, view } = await appTodo(credentials, externalId, true)
  checkLink(view, change.link)
  const t = await rewriteTodo(scope, todoId, (t) => ({
    ...(change.title === undefined ? {} : { title: change.title }),
    ...(change.notes === undefined ? {} : { notes: change.notes ?? undefined }),
    ...(change.due === undefined ? {} : { due: change.due ?? undefined }),
    ...(change.link === undefined ? {} : { link: change.link }),
    ...doneChange(t, change.done),
    appName: view.name,
    appIcon: view.iconUrl,
  }))
  return appTodoView(scope, t)
}

/**
 * The app closes its todo (done): the member's standing no longer matters (a member who left keeps
 * nothing open), the app's does. Closing a closed one changes nothing.
 */
export const closeAppTodo = async (credentials: Credentials, externalId: string) => {
  const { scope, todoId } = await appTodo(credentials, externalId, false)
  const t = await rewriteTodo(scope, todoId, (t) => (t.done ? undefined : doneChange(t, true)))
  return appTodoView(scope, t)
}
