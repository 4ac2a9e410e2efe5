import type middy from '@middy/core'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import type { z } from 'zod'
import type { Caller, ReadAlong, SessionCheck } from '../auth/caller.js'
import { verifyAccessToken } from '../auth/tokens.js'
import { AppError } from '../errors.js'
import { addLogContext, errorSite, log } from '../log.js'
import { flushMetrics } from '../metrics.js'
import type { Access } from './access.js'
import { errorResponse, validationError, withHeaders } from './responses.js'
import type { BoundRoute, RequestInfo } from './route.js'

export type Event = APIGatewayProxyEventV2
export type Result = APIGatewayProxyStructuredResultV2

export interface CompiledRoute {
  route: BoundRoute
  pattern: RegExp
  names: string[]
}

/** What the middlewares learn about one invocation, in the order they run. */
export interface HttpState {
  info: RequestInfo
  startedMs: number
  route?: CompiledRoute
  params: Record<string, string>
  caller?: Caller
  input: { body: unknown; query: unknown; params: unknown }
}

export type HttpContext = Context & { atrium: HttpState }
export type HttpMiddleware = middy.MiddlewareObj<Event, Result, Error, HttpContext>

export const header = (event: Event, name: string): string | undefined => {
  const wanted = name.toLowerCase()
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v
  return undefined
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{8,128}$/

const cookiesOf = (event: Event): Record<string, string> => {
  const pairs = event.cookies ?? (header(event, 'cookie') ?? '').split(';')
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) continue
    try {
      out[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim())
    } catch {
      // a cookie we cannot decode is one we did not set
    }
  }
  return out
}

/**
 * The invocation's own state and its correlation id (the caller's `x-correlation-id` when it is a
 * sane one, else the request id): in every log line and in the answer's header.
 */
export const requestContext = (): HttpMiddleware => ({
  before: (request) => {
    const { event, context } = request
    const requestId = context.awsRequestId ?? event.requestContext.requestId
    const given = header(event, 'x-correlation-id')
    const info: RequestInfo = {
      requestId,
      correlationId: given && CORRELATION_ID.test(given) ? given : requestId,
      ip: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent ?? '',
      headers: Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      cookies: cookiesOf(event),
    }
    // A context of this invocation's own: the state never leaks between invocations that share one.
    request.context = {
      ...context,
      atrium: {
        info,
        startedMs: Date.now(),
        params: {},
        input: { body: undefined, query: undefined, params: undefined },
      },
    }
    addLogContext({ correlationId: info.correlationId, requestId })
  },
  after: (request) => {
    const state = request.context.atrium
    request.response = withHeaders(request.response as Result, {
      'x-correlation-id': state.info.correlationId,
    })
    log.info('request done', { status: request.response.statusCode, ms: Date.now() - state.startedMs })
    flushMetrics()
  },
})

/** Maps every error to the API's error shape; a 500 says nothing about internals. */
export const errorMapping = (): HttpMiddleware => ({
  onError: (request) => {
    const err = request.error
    const state = request.context.atrium as HttpState | undefined
    let response: Result
    if (err instanceof AppError) {
      response = errorResponse(err)
      log.info('request refused', { status: err.status, code: err.code })
    } else {
      log.error('request failed', errorSite(err))
      response = errorResponse(new AppError('INTERNAL', 'internal error'))
    }
    request.response = state
      ? withHeaders(response, { 'x-correlation-id': state.info.correlationId })
      : response
    flushMetrics()
  },
})

export const compileRoute = (route: BoundRoute): CompiledRoute => {
  const names: string[] = []
  const source = route.spec.path
    .split('/')
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part)
      if (!m) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      names.push(m[1] as string)
      return '([^/]+)'
    })
    .join('/')
  return { route, pattern: new RegExp(`^${source}/?$`), names }
}

/** Finds the route, or says 404 / 405. Static paths win over templated ones. */
export const router = (routes: BoundRoute[]): HttpMiddleware => {
  const compiled = routes.map(compileRoute).sort((a, b) => a.names.length - b.names.length)
  return {
    before: (request) => {
      const { event } = request
      const method = event.requestContext.http.method.toUpperCase()
      const path = event.rawPath
      let pathMatched = false
      for (const candidate of compiled) {
        const m = candidate.pattern.exec(path)
        if (!m) continue
        pathMatched = true
        if (candidate.route.spec.method !== method) continue
        const params: Record<string, string> = {}
        try {
          candidate.names.forEach((name, i) => {
            params[name] = decodeURIComponent(m[i + 1] as string)
          })
        } catch {
          throw new AppError('BAD_REQUEST', 'malformed path')
        }
        request.context.atrium.route = candidate
        request.context.atrium.params = params
        addLogContext({ operation: candidate.route.spec.operationId })
        return
      }
      if (pathMatched) throw new AppError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`)
      throw new AppError('NOT_FOUND', `no route for ${method} ${path}`)
    },
  }
}

/**
 * Whether a live caller may use a route: its realm, the permission it names, the one-time
 * password gate and a frozen tenant's read-only mode. Any event kind that carries a token uses it.
 */
export const authorise = (access: Access, caller: Caller, method: string): void => {
  if (access.kind === 'public') return
  if (caller.mustChangePassword && !access.beforePasswordChange) {
    throw new AppError('PASSWORD_CHANGE_REQUIRED', 'change the one-time password first')
  }
  if (access.kind !== 'signed-in' && access.kind !== caller.realm) {
    throw new AppError('FORBIDDEN', 'not allowed for this account')
  }
  if (caller.realm !== 'tenant') return
  if (
    access.kind === 'tenant' &&
    access.permission &&
    !caller.tenant.actor.permissions.includes(access.permission)
  ) {
    throw new AppError('FORBIDDEN', `missing permission ${access.permission}`)
  }
  if (caller.tenant.readOnly && method !== 'GET' && !access.allowReadOnly) {
    throw new AppError('TENANT_FROZEN', 'the tenant is frozen: renew the subscription to make changes')
  }
}

/**
 * The bearer token of an HTTP request, verified and checked live (see SessionCheck), with the items
 * a tenant caller's route reads along (keys in the token's tenant).
 */
export const callerOf = async (
  authorization: string | undefined,
  session: SessionCheck,
  along?: (tenantId: string) => ReadAlong[],
): Promise<Caller> => {
  const token = authorization && /^Bearer\s+(.+)$/i.exec(authorization)?.[1]
  if (!token) throw new AppError('UNAUTHENTICATED', 'missing bearer token')
  const principal = await verifyAccessToken(token)
  const tenantId = principal.scope === 'tenant' ? principal.tenantId : undefined
  return session(principal, along && tenantId ? along(tenantId) : undefined)
}

/** What a route reads along with the session check, when its path and query are valid (else validation answers 400). */
const readAlongOf = (route: BoundRoute, event: Event, params: Record<string, string>) => {
  if (!route.readAlong) return undefined
  const path = route.spec.params ? route.spec.params.safeParse(params) : { success: true, data: undefined }
  const query = route.spec.query
    ? route.spec.query.safeParse(queryOf(event))
    : { success: true, data: undefined }
  if (!path.success || !query.success) return undefined
  const read = route.readAlong
  return (tenantId: string) => read({ params: path.data, query: query.data }, tenantId)
}

/** Verifies the bearer token, finds the session still alive and applies the route's access rule. */
export const authenticate = (session: SessionCheck | undefined): HttpMiddleware => ({
  before: async (request) => {
    const state = request.context.atrium
    const { route } = state.route as CompiledRoute
    const { spec } = route
    if (spec.access.kind === 'public') return
    if (!session) throw new Error(`${spec.operationId}: no session check for a signed-in route`)
    const caller = await callerOf(
      header(request.event, 'authorization'),
      session,
      readAlongOf(route, request.event, state.params),
    )
    state.caller = caller
    addLogContext({
      realm: caller.realm,
      tenantId: caller.realm === 'tenant' ? caller.tenant.tenantId : undefined,
    })
    authorise(spec.access, caller, spec.method)
  },
})

const parse = <S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): unknown => {
  if (!schema) return undefined
  const result = schema.safeParse(value)
  if (!result.success) throw validationError(where, result.error.issues)
  return result.data
}

/**
 * Query parameters decoded the way clients encode them (form encoding, '+' is a space): API
 * Gateway's own map leaves '+' as it is, which garbles names and breaks signed parameters.
 */
const queryOf = (event: Event): Record<string, string> =>
  event.rawQueryString
    ? Object.fromEntries(new URLSearchParams(event.rawQueryString))
    : ((event.queryStringParameters as Record<string, string> | undefined) ?? {})

const bodyText = (event: Event): string =>
  event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : ''

const readBody = (event: Event, form: boolean): unknown => {
  if (event.body === undefined || event.body === null || event.body === '') return form ? {} : undefined
  const text = bodyText(event)
  const type = (header(event, 'content-type') ?? '').toLowerCase()
  if (form) {
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'expected application/x-www-form-urlencoded')
    }
    return Object.fromEntries(new URLSearchParams(text))
  }
  if (type && !type.includes('json'))
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'expected application/json')
  try {
    return JSON.parse(text)
  } catch {
    throw new AppError('BAD_REQUEST', 'body is not valid JSON')
  }
}

/** Parses path, query and body (JSON or a form) against the route's schemas; every failing field is reported. */
export const validate = (): HttpMiddleware => ({
  before: (request) => {
    const state = request.context.atrium
    const spec = (state.route as CompiledRoute).route.spec
    const issues: AppError[] = []
    const attempt = (fn: () => unknown): unknown => {
      try {
        return fn()
      } catch (err) {
        if (err instanceof AppError && err.code === 'VALIDATION_FAILED') issues.push(err)
        else throw err
        return undefined
      }
    }
    const params = attempt(() => parse(spec.params, state.params, 'path'))
    const query = attempt(() => parse(spec.query, queryOf(request.event), 'query'))
    const body = spec.body
      ? attempt(() => parse(spec.body, readBody(request.event, spec.form === true), 'body'))
      : undefined
    if (issues.length > 0) {
      const details = issues.flatMap((e) => e.details as unknown[])
      throw new AppError('VALIDATION_FAILED', issues.map((e) => e.message).join('; '), details)
    }
    state.input = { body, query, params }
    if (spec.rawBody) state.info = { ...state.info, rawBody: bodyText(request.event) }
  },
})
