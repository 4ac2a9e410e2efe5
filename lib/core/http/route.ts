import type { z } from 'zod'
import type { Caller, IndustryCaller, PlatformCaller, ReadAlong, TenantCaller } from '../auth/caller.js'
import type { ErrorCode } from '../errors.js'
import type { TenantContext } from '../tenancy.js'
import type { Access } from './access.js'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** Media types a route may answer with besides JSON (the handler then returns a Representation). */
export type Produces = 'application/json' | 'text/csv' | 'image/svg+xml' | 'text/html'

type Schema = z.ZodType

/** The contract of one operation: it drives routing, validation, auth and the OpenAPI document. */
export interface RouteSpec<
  B extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  P extends Schema | undefined = Schema | undefined,
  R extends Schema = Schema,
  A extends Access = Access,
> {
  operationId: string
  method: Method
  path: string
  summary: string
  tag: string
  access: A
  body?: B
  query?: Q
  params?: P
  /** the JSON answer; for other media types, the schema of the body text */
  response: R
  status?: number
  /** error codes this operation can answer with beyond the generic ones */
  errors?: readonly ErrorCode[]
  /** the body is form-encoded (an HTML form's post) rather than JSON */
  form?: boolean
  /**
   * The handler reads the body as the exact text received (`rawBody`: a signature covers its
   * bytes), unparsed here; this schema describes it in the API document only.
   */
  rawBody?: Schema
  /** the answer's media type when it is not JSON: the handler returns a Representation */
  produces?: Produces
  /** a retry with the same Idempotency-Key header gets the first answer, not a second effect */
  idempotent?: boolean
}

type Out<S> = [NonNullable<S>] extends [never]
  ? undefined
  : NonNullable<S> extends Schema
    ? z.output<NonNullable<S>>
    : undefined

export interface RequestInfo {
  requestId: string
  correlationId: string
  ip: string
  userAgent: string
  headers: Record<string, string | undefined>
  cookies: Record<string, string>
  /** the body as received, for the routes that declare `rawBody` */
  rawBody?: string
}

/** What a handler receives beyond its inputs, by the route's access rule. */
export type CallerFor<A extends Access> = A extends { kind: 'public' }
  ? { caller?: undefined }
  : A extends { kind: 'tenant' }
    ? { caller: TenantCaller; tenant: TenantContext }
    : A extends { kind: 'platform' }
      ? { caller: PlatformCaller }
      : A extends { kind: 'industry' }
        ? { caller: IndustryCaller }
        : { caller: Caller }

export type Request<B, Q, P, A extends Access> = RequestInfo & {
  body: B
  query: Q
  params: P
  /** what `readAlong` asked for, in its order (undefined where no item) */
  along: unknown[]
} & CallerFor<A>

/** A non-JSON answer (HTML, CSV, SVG, a redirect) and the headers it needs. */
export interface Representation {
  representation: true
  status?: number
  headers?: Record<string, string>
  body: string
}

export const representation = (
  body: string,
  headers: Record<string, string> = {},
  status?: number,
): Representation => ({ representation: true, body, headers, status })

export const redirect = (location: string, status = 303): Representation =>
  representation('', { location }, status)

/** What a handler answers; a route without a body (NoContent) may simply finish its work. */
type Result<R extends Schema> = z.input<R> | Representation | (undefined extends z.input<R> ? void : never)

export type RouteDefinition<
  B extends Schema | undefined,
  Q extends Schema | undefined,
  P extends Schema | undefined,
  R extends Schema,
  A extends Access,
> = RouteSpec<B, Q, P, R, A> & {
  handle: (req: Request<Out<B>, Out<Q>, Out<P>, A>) => Promise<Result<R>>
  /**
   * Items the handler needs by key, read in the session check's BatchGetItem: one DynamoDB request
   * fewer. Keys from the valid path and query and the tenant of the verified token (tenant callers).
   */
  readAlong?: (input: { params: Out<P>; query: Out<Q> }, tenantId: string) => ReadAlong[]
}

export type AnyRequest = RequestInfo & {
  body: unknown
  query: unknown
  params: unknown
  along: unknown[]
  caller?: Caller
  tenant?: TenantContext
}

export interface BoundRoute {
  spec: RouteSpec
  handle: (req: AnyRequest) => Promise<unknown>
  readAlong?: (input: { params: unknown; query: unknown }, tenantId: string) => ReadAlong[]
}

/**
 * One operation, its contract and its implementation side by side; the handler's request type
 * (inputs and caller) follows from the schemas and the access rule.
 */
export const route = <
  A extends Access,
  R extends Schema,
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
>(
  definition: RouteDefinition<B, Q, P, R, A>,
): BoundRoute => {
  const { handle, readAlong, ...spec } = definition
  return {
    spec: spec as RouteSpec,
    handle: handle as BoundRoute['handle'],
    ...(readAlong ? { readAlong: readAlong as BoundRoute['readAlong'] } : {}),
  }
}
