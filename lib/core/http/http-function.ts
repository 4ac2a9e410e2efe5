import middy from '@middy/core'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import type { z } from 'zod'
import type { Principal } from '../auth/principal.js'
import { verifyAccessToken } from '../auth/tokens.js'
import { config } from '../config.js'
import { AppError } from '../errors.js'
import { log, setLogContext } from '../log.js'
import { claim, complete, IDEMPOTENCY_KEY, release } from './idempotency.js'
import { errorResponse, json, raw, validationError } from './responses.js'
import type { BoundRoute, RawResponse, RequestInfo } from './route.js'

interface CompiledRoute {
  route: BoundRoute
  pattern: RegExp
  names: string[]
}

interface State {
  route?: CompiledRoute
  params: Record<string, string>
  principal?: Principal
  info?: RequestInfo
  input: { body: unknown; query: unknown; params: unknown }
  startedMs: number
}

type Event = APIGatewayProxyEventV2
type Result = APIGatewayProxyStructuredResultV2

const compile = (route: BoundRoute): CompiledRoute => {
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

const header = (event: Event, name: string): string | undefined => {
  const wanted = name.toLowerCase()
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v
  return undefined
}

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

const readBody = (event: Event, form: boolean): unknown => {
  if (event.body === undefined || event.body === null || event.body === '') return form ? {} : undefined
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body
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

/** Finds the route, or says 404 / 405. */
const router = (
  routes: CompiledRoute[],
): middy.MiddlewareObj<Event, Result, Error, Context & { atrium: State }> => ({
  before: (request) => {
    const { event } = request
    const method = event.requestContext.http.method.toUpperCase()
    const path = event.rawPath
    let pathMatched = false
    for (const compiled of routes) {
      const m = compiled.pattern.exec(path)
      if (!m) continue
      pathMatched = true
      if (compiled.route.spec.method !== method) continue
      const params: Record<string, string> = {}
      try {
        compiled.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1] as string)
        })
      } catch {
        throw new AppError('BAD_REQUEST', 'malformed path')
      }
      request.context.atrium.route = compiled
      request.context.atrium.params = params
      setLogContext({
        requestId: request.context.atrium.info?.requestId,
        operation: compiled.route.spec.operationId,
      })
      return
    }
    if (pathMatched) throw new AppError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`)
    throw new AppError('NOT_FOUND', `no route for ${method} ${path}`)
  },
})

/** Verifies the bearer token and applies the route's access rule. */
const authenticate = (): middy.MiddlewareObj<Event, Result, Error, Context & { atrium: State }> => ({
  before: async (request) => {
    const state = request.context.atrium
    const access = (state.route as CompiledRoute).route.spec.access
    if ('public' in access) return
    const authz = header(request.event, 'authorization')
    const token = authz && /^Bearer\s+(.+)$/i.exec(authz)?.[1]
    if (!token) throw new AppError('UNAUTHENTICATED', 'missing bearer token')
    const principal = await verifyAccessToken(token)
    state.principal = principal
    setLogContext({
      requestId: state.info?.requestId,
      operation: (state.route as CompiledRoute).route.spec.operationId,
      tenantId: principal.tenantId,
      scope: principal.scope,
    })
    if (principal.mustChangePassword && !access.beforePasswordChange) {
      throw new AppError('PASSWORD_CHANGE_REQUIRED', 'change the one-time password first')
    }
    if (!access.scopes.includes(principal.scope))
      throw new AppError('FORBIDDEN', 'not allowed for this account')
    if (access.permission && !principal.permissions.includes(access.permission)) {
      throw new AppError('FORBIDDEN', `missing permission ${access.permission}`)
    }
    const method = (state.route as CompiledRoute).route.spec.method
    if (principal.readOnly && method !== 'GET' && !access.allowReadOnly) {
      throw new AppError('TENANT_FROZEN', 'the tenant is frozen: renew the subscription to make changes')
    }
  },
})

/** Parses path, query and body against the route's schemas; the failing fields are reported. */
const validate = (): middy.MiddlewareObj<Event, Result, Error, Context & { atrium: State }> => ({
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
  },
})

const isRaw = (value: unknown): value is RawResponse =>
  typeof value === 'object' && value !== null && (value as RawResponse).raw === true

/** Maps every error to the API's error shape; a 500 says nothing about internals. */
const errors = (): middy.MiddlewareObj<Event, Result, Error, Context & { atrium: State }> => ({
  onError: (request) => {
    const err = request.error
    if (err instanceof AppError) {
      request.response = errorResponse(err)
      log.info('request refused', { status: err.status, code: err.code })
      return
    }
    // Messages can carry values (keys, attribute contents); the name and where it was thrown cannot.
    const where = (err?.stack ?? '')
      .split('\n')
      .slice(1, 4)
      .map((l) => l.trim())
      .join(' | ')
    log.error('request failed', { errorName: err?.name, where })
    request.response = errorResponse(new AppError('INTERNAL', 'internal error'))
  },
})

const timing = (): middy.MiddlewareObj<Event, Result, Error, Context & { atrium: State }> => ({
  before: (request) => {
    const { event, context } = request
    const info: RequestInfo = {
      requestId: context.awsRequestId ?? event.requestContext.requestId,
      ip: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent ?? '',
      headers: Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    }
    // A context of this invocation's own: the state never leaks between invocations that share one.
    request.context = {
      ...context,
      atrium: {
        params: {},
        input: { body: undefined, query: undefined, params: undefined },
        startedMs: Date.now(),
        info,
      },
    }
    setLogContext({ requestId: info.requestId })
  },
  after: (request) => {
    log.info('request done', {
      status: request.response?.statusCode,
      ms: Date.now() - request.context.atrium.startedMs,
    })
  },
})

/**
 * One Lambda per capability: a middy stack that routes, authenticates, validates and maps
 * errors, around the bound use cases. Handlers stay thin; rules live in lib/<capability>.
 */
export const httpFunction = (routes: BoundRoute[]) => {
  config() // at cold start: a missing or malformed setting fails here, not in the first request
  // Static paths win over templated ones (`/v1/members/export` before `/v1/members/{memberId}`).
  const compiled = routes.map(compile).sort((a, b) => a.names.length - b.names.length)
  const run = async (state: State): Promise<Result> => {
    const { route } = state.route as CompiledRoute
    const result = await route.handle({
      ...(state.info as RequestInfo),
      body: state.input.body,
      query: state.input.query,
      params: state.input.params,
      principal: state.principal,
    })
    if (isRaw(result)) return raw(result.status, result.body, result.headers)
    const status = route.spec.status ?? 200
    return json(status, status === 204 ? undefined : route.spec.response.parse(result))
  }
  const core = async (_event: Event, context: Context & { atrium: State }): Promise<Result> => {
    const state = context.atrium
    const { spec } = (state.route as CompiledRoute).route
    const key = state.info?.headers['idempotency-key']
    if (!spec.idempotent || key === undefined) return run(state)
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new AppError('VALIDATION_FAILED', 'invalid Idempotency-Key', [
        { path: 'header.idempotency-key', message: '8-128 letters, digits or _-:.' },
      ])
    }
    const scope = `${state.principal?.accountId ?? 'public'}#${spec.operationId}#${key}`
    const replay = await claim(scope, JSON.stringify(state.input))
    if (replay) {
      const replayed = json(replay.status, undefined, { 'idempotent-replayed': 'true' })
      return { ...replayed, body: replay.body }
    }
    try {
      const result = await run(state)
      await complete(scope, result.statusCode ?? 200, result.body ?? '')
      return result
    } catch (err) {
      await release(scope)
      throw err
    }
  }
  const stack = middy<Event, Result, Error, Context & { atrium: State }>(core)
    .use(timing())
    .use(errors())
    .use(router(compiled))
    .use(authenticate())
    .use(validate())
  // Lambda passes a plain context; `atrium` is filled in by the first middleware.
  return stack as unknown as (event: Event, context: Context) => Promise<Result>
}
