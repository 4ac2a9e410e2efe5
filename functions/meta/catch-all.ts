import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { AppError } from '../../lib/core/errors.js'
import {
  type Event,
  errorMapping,
  type HttpContext,
  type Result,
  requestContext,
} from '../../lib/core/http/middlewares.js'
import { withLogContext } from '../../lib/core/log.js'

/** Whether a concrete path fits a path template such as `/v1/members/{memberId}`. */
export const fitsTemplate = (template: string, path: string): boolean => {
  const want = template.split('/')
  const got = path.split('/')
  return (
    want.length === got.length &&
    want.every((part, i) => (part.startsWith('{') ? got[i] !== '' : part === got[i]))
  )
}

let operations: Promise<[string, string[]][]> | undefined

/** Every path of the API and its methods: the generated document holds all functions' routes. */
const apiOperations = () => {
  operations ??= import('../../docs/openapi.json', { with: { type: 'json' } }).then((doc) =>
    Object.entries(doc.default.paths).map(([path, ops]): [string, string[]] => [
      path,
      Object.keys(ops).map((m) => m.toUpperCase()),
    ]),
  )
  return operations
}

/** Why no route takes a request: 405 when its path exists with other methods, else 404. */
export const refusal = async (method: string, path: string): Promise<AppError> => {
  const allowed = new Set(
    (await apiOperations()).flatMap(([template, methods]) => (fitsTemplate(template, path) ? methods : [])),
  )
  if (allowed.size > 0 && !allowed.has(method)) {
    return new AppError(
      'METHOD_NOT_ALLOWED',
      `${method} is not allowed on ${path} (allowed: ${[...allowed].join(', ')})`,
    )
  }
  return new AppError('NOT_FOUND', `no route for ${method} ${path}`)
}

const refuse = middy<Event, Result, Error, HttpContext>(async (event: Event) => {
  throw await refusal(event.requestContext.http.method.toUpperCase(), event.rawPath)
})
  .use(requestContext())
  .use(errorMapping())

/**
 * API Gateway's `$default` route: a request no other route takes gets the API's error shape, with
 * a correlation id and a log line like any refusal, instead of API Gateway's own 404 (or, locally,
 * serverless-offline's list of routes).
 */
export const catchAll = (event: Event, context: Context): Promise<Result> =>
  withLogContext({ fn: 'meta' }, () =>
    (refuse as unknown as (e: Event, c: Context) => Promise<Result>)(event, context),
  )
