import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { dynamoRequestCount } from '../lib/core/db/client.js'
import { event } from './directory.js'
import { timed } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

/** Calls a function's real handler in process as `token`; anything but a 2xx fails the bench. */
export const caller = (handler: Handler) => {
  const context = { awsRequestId: 'bench' } as Context
  return async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    query?: Record<string, string>,
  ) => {
    const res = await handler(event(method, path, token, body, query), context)
    if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
    return JSON.parse(res.body ?? '{}')
  }
}

/** The DynamoDB requests one call sends, after a short warm-up. */
export const requestsOf = async (fn: () => Promise<unknown>) => {
  await timed(3, fn)
  const before = dynamoRequestCount()
  await fn()
  return dynamoRequestCount() - before
}
