import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda'
import type { z } from 'zod'
import type { Caller, SessionCheck } from './auth/caller.js'
import type { Principal } from './auth/principal.js'
import { verifyAccessToken } from './auth/tokens.js'
import { config } from './config.js'
import { AppError } from './errors.js'
import type { Access } from './http/access.js'
import { authorise } from './http/middlewares.js'
import { errorBody, validationError } from './http/responses.js'
import { addLogContext, errorSite, log, withLogContext } from './log.js'
import { configureMetrics, flushMetrics } from './metrics.js'

/** A WebSocket event as API Gateway delivers it; `$connect` also carries the query string and headers. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined>
  headers?: Record<string, string | undefined>
}

export interface WebSocketAction<S extends z.ZodType> {
  body: S
  handle: (req: { connectionId: string; caller: Caller; body: z.output<S> }) => Promise<unknown>
}

export interface WebSocketFunctionOptions {
  name: string
  session: SessionCheck
  /** who may connect; the token comes as `?access_token=` (browsers cannot set headers on a WebSocket) */
  access: Exclude<Access, { kind: 'public' }>
  /** keeps the connection, with the principal it was opened with (see principalOf) */
  connect: (req: { connectionId: string; caller: Caller; principal: Principal }) => Promise<void>
  disconnect: (req: { connectionId: string }) => Promise<void>
  /**
   * The principal a connection was opened with: each message is checked live with it, as an HTTP
   * request with its token is, so a socket outlives neither a logout nor a disabled membership
   */
  principalOf: (connectionId: string) => Promise<Principal | undefined>
  /** messages are JSON `{ "action": name, ... }`; API Gateway routes on `action` */
  actions: Record<string, WebSocketAction<z.ZodType>>
}

export const action = <S extends z.ZodType>(a: WebSocketAction<S>) => a as WebSocketAction<z.ZodType>

const answer = (statusCode: number, body?: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
})

/**
 * A WebSocket API's function: `$connect` authenticates the token with the same live session check
 * and access rule as HTTP (a refusal closes the handshake with its status), `$disconnect` cleans
 * up, and each message is parsed, validated, checked live again with the connection's principal
 * (a message is a write: a read-only session may not send) and routed by its action, errors
 * answered in the API's error shape. Logging and metrics as for HTTP, with the connection's ids.
 */
export const websocketFunction = (options: WebSocketFunctionOptions) => {
  config()
  configureMetrics(options.name)
  const checked = async (principal: Principal, method: string) => {
    const caller = await options.session(principal)
    addLogContext({
      realm: caller.realm,
      tenantId: caller.realm === 'tenant' ? caller.tenant.tenantId : undefined,
    })
    authorise(options.access, caller, method)
    return caller
  }
  const run = async (event: WebSocketEvent): Promise<APIGatewayProxyResultV2> => {
    const { connectionId, routeKey } = event.requestContext
    try {
      if (routeKey === '$connect') {
        const token = event.queryStringParameters?.access_token
        if (!token) throw new AppError('UNAUTHENTICATED', 'missing access_token')
        const principal = await verifyAccessToken(token)
        const caller = await checked(principal, 'GET')
        await options.connect({ connectionId, caller, principal })
        return answer(200)
      }
      if (routeKey === '$disconnect') {
        await options.disconnect({ connectionId })
        return answer(200)
      }
      let message: unknown
      try {
        message = JSON.parse(event.body ?? '')
      } catch {
        throw new AppError('BAD_REQUEST', 'a message is a JSON object with an action')
      }
      const name = (message as { action?: unknown })?.action
      const route = typeof name === 'string' ? options.actions[name] : undefined
      if (!route) throw new AppError('NOT_FOUND', `no action ${String(name)}`)
      addLogContext({ operation: name as string })
      const parsed = route.body.safeParse(message)
      if (!parsed.success) throw validationError('body', parsed.error.issues)
      const principal = await options.principalOf(connectionId)
      if (!principal) throw new AppError('UNAUTHENTICATED', 'this connection is not known: connect again')
      const caller = await checked(principal, 'POST')
      return answer(200, await route.handle({ connectionId, caller, body: parsed.data }))
    } catch (err) {
      if (err instanceof AppError) {
        log.info('message refused', { status: err.status, code: err.code })
        return answer(err.status, errorBody(err.code, err.message, err.details))
      }
      log.error('message failed', errorSite(err))
      return answer(500, errorBody('INTERNAL', 'internal error'))
    } finally {
      flushMetrics()
    }
  }
  return (event: WebSocketEvent, context?: Context) =>
    withLogContext(
      {
        fn: options.name,
        correlationId: event.requestContext.requestId ?? context?.awsRequestId,
        connectionId: event.requestContext.connectionId,
      },
      () => run(event),
    )
}
