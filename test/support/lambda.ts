import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'

// middy handlers take a third (options) argument; tests never pass it
type Handler = (event: APIGatewayProxyEventV2, context: Context, ...rest: never[]) => Promise<unknown>

export interface CallOptions {
  body?: unknown
  rawBody?: string
  token?: string
  query?: Record<string, string>
  headers?: Record<string, string>
  ip?: string
}

export interface CallResult {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  body: any
  headers: Record<string, string>
}

let counter = 0

/** API Gateway percent-decodes query values but leaves '+' as it is (no form decoding). */
const gatewayDecoded = (raw: string): Record<string, string> =>
  Object.fromEntries(
    raw.split('&').map((pair) => {
      const [k = '', v = ''] = pair.split('=')
      return [decodeURIComponent(k), decodeURIComponent(v)]
    }),
  )

/** An API Gateway HTTP API (payload v2) event, as AWS and serverless-offline deliver it. */
export const httpEvent = (
  method: string,
  path: string,
  options: CallOptions = {},
): APIGatewayProxyEventV2 => {
  const query = options.query ?? {}
  const rawQuery = new URLSearchParams(query).toString()
  const headers: Record<string, string> = {
    'user-agent': 'jest',
    ...(options.body !== undefined || options.rawBody !== undefined
      ? { 'content-type': 'application/json' }
      : {}),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: rawQuery,
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? gatewayDecoded(rawQuery) : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      requestId: `req-${++counter}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: options.ip ?? '127.0.0.1', userAgent: 'jest' },
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    isBase64Encoded: false,
  }
}

/** Invokes a function's real handler (the whole middy stack) in-process. */
export const call = async (
  handler: Handler,
  method: string,
  path: string,
  options?: CallOptions,
): Promise<CallResult> => {
  const event = httpEvent(method, path, options)
  const context = { awsRequestId: event.requestContext.requestId, functionName: 'test' } as Context
  const res = (await handler(event, context)) as APIGatewayProxyStructuredResultV2
  const text = res.body ?? ''
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = text
  }
  return { status: res.statusCode ?? 0, body, headers: (res.headers ?? {}) as Record<string, string> }
}
