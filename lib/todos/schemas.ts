import * as z from 'zod'
import { PageQuery, page } from '../core/db/pagination.js'
import { WebUrl } from '../core/http/address-schemas.js'
import { Id, Iso } from '../core/http/schemas.js'
import { TextLine } from '../core/http/text-line.js'

/** How many open todos the home page shows (the rest are in the todo centre). */
export const HOME_TODOS = 5

export const TodoId = Id
export const TodoParams = z.object({ todoId: TodoId })

/** A day (`2026-05-01`) or a UTC instant (`2026-05-01T09:00:00Z`): either sorts by its day first. */
export const Due = z.union([z.iso.date(), z.iso.datetime()])

const todoFields = {
  title: TextLine(200),
  notes: z.string().trim().max(2000).optional(),
  due: Due.optional(),
}

export const TodoBody = z
  .object({
    ...todoFields,
    /** a colleague (an active member of the caller's tenant) whose list it goes into; the caller by default */
    assigneeId: Id.optional(),
  })
  .strict()
  .meta({ id: 'TodoInput' })
export type TodoInput = z.infer<typeof TodoBody>

/** A change: the fields given change, `null` clears notes or due; `done` ticks it off or opens it again. */
export const TodoPatch = z
  .object({
    title: todoFields.title,
    notes: todoFields.notes.unwrap().nullable(),
    due: Due.nullable(),
    done: z.boolean(),
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change')
  .meta({ id: 'TodoChange' })
export type TodoChange = z.infer<typeof TodoPatch>

export const TodoSchema = z
  .object({
    todoId: TodoId,
    title: z.string(),
    notes: z.string().optional(),
    due: z.string().optional(),
    done: z.boolean(),
    doneAt: Iso.optional(),
    /** whose list it is in */
    ownerId: z.string(),
    /** the colleague who put it there, when not the owner */
    assignedBy: z.string().optional(),
    /** `app`: pushed by an app (it alone changes and closes it; the link leads back to it) */
    source: z.enum(['member', 'app']),
    app: z.object({ appId: z.string(), name: z.string(), iconUrl: z.string().optional() }).optional(),
    link: z.string().optional(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .meta({ id: 'Todo' })
export type TodoView = z.infer<typeof TodoSchema>

export const TodoListQuery = PageQuery.extend({ state: z.enum(['open', 'done', 'all']).default('all') })
export const TodoCentre = page(TodoSchema).extend({ openCount: z.int() }).meta({ id: 'TodoCentre' })
export const AssignedTodos = page(TodoSchema).meta({ id: 'AssignedTodos' })

/** What the home page shows of the todo centre. */
export const HomeTodos = z.object({
  items: z.array(z.object({ todoId: TodoId, title: z.string(), due: z.string().optional() })),
  count: z.int(),
})

/* The app API: an app names its todos by its own id and the member by their account name. */

/** The app's own id for a todo: one todo per app and id, whatever is retried. */
export const ExternalId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : -, 1-128')
export const ExternalIdParams = z.object({ externalId: ExternalId })

/** The member as sign-in gave them to the app (OIDC `sub`, the workbench's `userName`, the CAS user). */
export const AccountName = z.string().regex(/^[0-9a-z]{26}$/, 'the account name sign-in gave the app')

const credentials = {
  clientId: z.string().min(1).max(200).optional(),
  clientSecret: z.string().min(1).max(200).optional(),
}

export const AppTodoBody = z
  .object({
    ...credentials,
    externalId: ExternalId,
    userId: AccountName,
    ...todoFields,
    /** where the member does it: an https address at one of the app's registered origins */
    link: WebUrl,
  })
  .strict()
  .meta({ id: 'AppTodoInput' })
export type AppTodoInput = z.infer<typeof AppTodoBody>

export const AppTodoPatch = z
  .object({
    ...credentials,
    title: todoFields.title.optional(),
    notes: todoFields.notes.unwrap().nullable().optional(),
    due: Due.nullable().optional(),
    link: WebUrl.optional(),
    done: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'AppTodoChange' })
export type AppTodoChange = z.infer<typeof AppTodoPatch>

/** Closing needs only the credentials (HTTP Basic, or in the body). */
export const AppTodoClose = z.object(credentials).strict().meta({ id: 'AppTodoClose' })

export const AppTodoSchema = z
  .object({
    externalId: z.string(),
    userId: z.string(),
    title: z.string(),
    notes: z.string().optional(),
    due: z.string().optional(),
    link: z.string().optional(),
    done: z.boolean(),
    doneAt: Iso.optional(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .meta({ id: 'AppTodo' })
