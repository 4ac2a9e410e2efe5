import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { itemsReadAlong, type SessionCheck } from '../auth/caller.js'
import { recordFunction } from '../aws-command-log.js'
import { config } from '../config.js'
import { AppError } from '../errors.js'
import { withLogContext } from '../log.js'
import { configureMetrics } from '../metrics.js'
import { claim, complete, IDEMPOTENCY_KEY, idempotencyScope, release } from './idempotency.js'
import {
  authenticate,
  type CompiledRoute,
  type Event,
  errorMapping,
  type HttpContext,
  type HttpState,
  type Result,
  requestContext,
  router,
  validate,
} from './middlewares.js'
import { json, raw } from './responses.js'
import type { BoundRoute, Representation } from './route.js'

export interface HttpFunctionOptions {
  /** the function's name (serverless.yml), for metrics */
  name: string
  routes: BoundRoute[]
  /** how a verified token becomes a live caller; needed when any route is not public */
  session?: SessionCheck
}

const isRepresentation = (value: unknown): value is Representation =>
  typeof value === 'object' && value !== null && (value as Representation).representation === true

const run = async (state: HttpState): Promise<Result> => {
  const { route } = state.route as CompiledRoute
  const caller = state.caller
  const result = await route.handle({
    ...state.info,
    ...state.input,
    caller,
    tenant: caller?.realm === 'tenant' ? caller.tenant : undefined,
    along: itemsReadAlong(caller),
  })
  const status = route.spec.status ?? 200
  if (isRepresentation(result)) {
    const type: Record<string, string> = route.spec.produces
      ? { 'content-type': `${route.spec.produces}; charset=utf-8` }
      : {}
    return raw(result.status ?? status, result.body, { ...type, ...result.headers })
  }
  return json(status, status === 204 ? undefined : route.spec.response.parse(result))
}

/** A retry with the same Idempotency-Key gets the first answer (see idempotency.ts). */
const runOnce = async (state: HttpState): Promise<Result> => {
  const { spec } = (state.route as CompiledRoute).route
  const key = state.info.headers['idempotency-key']
  if (!spec.idempotent || key === undefined) return run(state)
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('VALIDATION_FAILED', 'invalid Idempotency-Key', [
      { path: 'header.idempotency-key', message: '8-128 letters, digits or _-:.' },
    ])
  }
  const scope = idempotencyScope(state.caller, spec.operationId, key)
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

/**
 * One Lambda per capability: the JSON API's middy stack (request context and correlation id, error
 * mapping, routing, authentication with the live session check and the route's access rule,
 * validation) around the bound use cases. Handlers stay thin; rules live in lib/<capability>.
 */
export const httpFunction = (options: HttpFunctionOptions) => {
  config() // at cold start: a missing or malformed setting fails here, not in the first request
  configureMetrics(options.name)
  recordFunction(options.name)
  if (!options.session && options.routes.some((r) => r.spec.access.kind !== 'public')) {
    throw new Error(`${options.name}: signed-in routes need a session check`)
  }
  const stack = middy<Event, Result, Error, HttpContext>(async (_event: Event, context: HttpContext) =>
    runOnce(context.atrium),
  )
    .use(requestContext())
    .use(errorMapping())
    .use(router(options.routes))
    .use(authenticate(options.session))
    .use(validate())
  // Each invocation logs with a context of its own; Lambda passes a plain context, `atrium` comes later.
  return (event: Event, context: Context) =>
    withLogContext({ fn: options.name }, () =>
      (stack as unknown as (e: Event, c: Context) => Promise<Result>)(event, context),
    )
}
