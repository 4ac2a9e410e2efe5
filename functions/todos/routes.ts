import { PageQuery } from '../../lib/core/db/pagination.js'
import { publicAccess, tenantAccess } from '../../lib/core/http/access.js'
import { clientCredentials } from '../../lib/core/http/client-credentials.js'
import { route } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'
import { REFUSAL_ERRORS } from '../../lib/sso/identity.js'
import { changeAppTodo, closeAppTodo, pushAppTodo } from '../../lib/todos/app-todos.js'
import {
  AppTodoBody,
  AppTodoClose,
  AppTodoPatch,
  AppTodoSchema,
  AssignedTodos,
  ExternalIdParams,
  TodoBody,
  TodoCentre,
  TodoListQuery,
  TodoParams,
  TodoPatch,
  TodoSchema,
} from '../../lib/todos/schemas.js'
import {
  assignedTodos,
  createTodo,
  deleteTodo,
  getTodo,
  todoCentre,
  updateTodo,
} from '../../lib/todos/todos.js'

const member = tenantAccess()
const APP_ERRORS = ['INVALID_CLIENT', ...REFUSAL_ERRORS] as const

export const routes = [
  route({
    operationId: 'myTodoCentre',
    method: 'GET',
    path: '/v1/me/todos',
    summary:
      "The caller's todo centre: their todos, those colleagues assigned them and those apps pushed, open ones first by due date, with the open count",
    tag: 'Todos',
    access: member,
    query: TodoListQuery,
    response: TodoCentre,
    handle: (req) => todoCentre(req.tenant, req.query),
  }),
  route({
    operationId: 'createTodo',
    method: 'POST',
    path: '/v1/me/todos',
    summary:
      "A todo in the caller's list, or (assigneeId) in an active colleague's; the edition must include todos",
    tag: 'Todos',
    access: member,
    body: TodoBody,
    response: TodoSchema,
    status: 201,
    errors: ['PLAN_LIMIT_EXCEEDED'],
    handle: (req) => createTodo(req.tenant, req.body),
  }),
  route({
    operationId: 'todosIAssigned',
    method: 'GET',
    path: '/v1/me/todos/assigned',
    summary: 'The todos the caller assigned to colleagues, newest first, with their state',
    tag: 'Todos',
    access: member,
    query: PageQuery,
    response: AssignedTodos,
    handle: (req) => assignedTodos(req.tenant, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'getTodo',
    method: 'GET',
    path: '/v1/me/todos/{todoId}',
    summary: 'One todo of the caller, or one they assigned',
    tag: 'Todos',
    access: member,
    params: TodoParams,
    response: TodoSchema,
    errors: ['NOT_FOUND'],
    handle: (req) => getTodo(req.tenant, req.params.todoId),
  }),
  route({
    operationId: 'updateTodo',
    method: 'PATCH',
    path: '/v1/me/todos/{todoId}',
    summary:
      'Change a todo or tick it off (done): its owner changes anything, who assigned it its text and due date; an app keeps its own',
    tag: 'Todos',
    access: member,
    params: TodoParams,
    body: TodoPatch,
    response: TodoSchema,
    errors: ['NOT_FOUND', 'INVALID_STATE'],
    handle: (req) => updateTodo(req.tenant, req.params.todoId, req.body),
  }),
  route({
    operationId: 'deleteTodo',
    method: 'DELETE',
    path: '/v1/me/todos/{todoId}',
    summary: 'Delete a todo (its owner, or who assigned it); an app keeps its own',
    tag: 'Todos',
    access: member,
    params: TodoParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND', 'INVALID_STATE'],
    handle: (req) => deleteTodo(req.tenant, req.params.todoId),
  }),
  route({
    operationId: 'pushAppTodo',
    method: 'POST',
    path: '/v1/apps/todos',
    summary:
      "An app puts a todo in a member's todo centre (the member as sign-in named them, the todo by the app's id; a retry answers the same todo); client credentials in the body or as HTTP Basic",
    tag: 'Todos',
    access: publicAccess,
    body: AppTodoBody,
    response: AppTodoSchema,
    status: 201,
    errors: [...APP_ERRORS, 'CONFLICT', 'PLAN_LIMIT_EXCEEDED'],
    handle: (req) => pushAppTodo(clientCredentials(req.headers.authorization, req.body), req.body),
  }),
  route({
    operationId: 'changeAppTodo',
    method: 'PATCH',
    path: '/v1/apps/todos/{externalId}',
    summary: 'An app changes its todo (done: true closes it, false opens it again)',
    tag: 'Todos',
    access: publicAccess,
    params: ExternalIdParams,
    body: AppTodoPatch,
    response: AppTodoSchema,
    errors: APP_ERRORS,
    handle: (req) =>
      changeAppTodo(clientCredentials(req.headers.authorization, req.body), req.params.externalId, req.body),
  }),
  route({
    operationId: 'closeAppTodo',
    method: 'DELETE',
    path: '/v1/apps/todos/{externalId}',
    summary: "An app closes its todo (it stays in the member's list, done); closing twice changes nothing",
    tag: 'Todos',
    access: publicAccess,
    params: ExternalIdParams,
    body: AppTodoClose.optional(),
    response: AppTodoSchema,
    errors: APP_ERRORS,
    handle: (req) =>
      closeAppTodo(clientCredentials(req.headers.authorization, req.body ?? {}), req.params.externalId),
  }),
]
