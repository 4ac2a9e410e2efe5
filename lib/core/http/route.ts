import type { z } from 'zod'
import type { Permission } from '../auth/permissions.js'
import type { Principal, Scope } from '../auth/principal.js'
import type { ErrorCode } from '../errors.js'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** Who may call a route. Tenant-scoped routes take the tenant only from the verified token. */
export type Access =
  | { public: true }
  | {
      scopes: readonly Scope[]
      /** tenant scope: the admin permission needed (tenant admins hold all) */
      permission?: Permission
      /** allowed while the one-time password is still unchanged (only the change itself) */
      beforePasswordChange?: boolean
      /** a write that a read-only (frozen tenant) session may still make, e.g. logout */
      allowReadOnly?: boolean
    }

type Schema = z.ZodType

/** The contract of one operation: it drives routing, validation, auth and the OpenAPI document. */
export interface RouteSpec<
  B extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  P extends Schema | undefined = Schema | undefined,
  R extends Schema = Schema,
> {
  operationId: string
  method: Method
  path: string
  summary: string
  tag: string
  access: Access
  body?: B
  query?: Q
  params?: P
  response: R
  status?: number
  /** error codes this operation can answer with beyond the generic ones */
  errors?: readonly ErrorCode[]
  /** the body is form-encoded rather than JSON */
  form?: boolean
  /** the response is not JSON (e.g. an HTML page): the handler returns a raw response */
  raw?: boolean
  /** a retry with the same Idempotency-Key header gets the first answer, not a second effect */
  idempotent?: boolean
}

export const defineRoute = <
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
  R extends Schema = Schema,
>(
  spec: RouteSpec<B, Q, P, R>,
): RouteSpec<B, Q, P, R> => spec

type Out<S> = [NonNullable<S>] extends [never]
  ? undefined
  : NonNullable<S> extends Schema
    ? z.output<NonNullable<S>>
    : undefined

export interface RequestInfo {
  requestId: string
  ip: string
  userAgent: string
  headers: Record<string, string | undefined>
}

export interface Request<B, Q, P> extends RequestInfo {
  body: B
  query: Q
  params: P
  principal: Principal | undefined
}

export interface RawResponse {
  raw: true
  status: number
  headers: Record<string, string>
  body: string
}

export type RouteHandler<S extends RouteSpec> = (
  req: Request<Out<S['body']>, Out<S['query']>, Out<S['params']>>,
) => Promise<z.input<S['response']> | RawResponse>

export interface BoundRoute {
  spec: RouteSpec
  handle: (req: Request<unknown, unknown, unknown>) => Promise<unknown>
}

/** Ties an implementation to its contract; the handler's types come from the spec's schemas. */
export const bind = <S extends RouteSpec>(spec: S, handle: RouteHandler<S>): BoundRoute => ({
  spec,
  handle: handle as BoundRoute['handle'],
})
