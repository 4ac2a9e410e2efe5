import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { AppError, type ErrorCode, type FieldIssue } from '../errors.js'

type Result = APIGatewayProxyStructuredResultV2

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  ({
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...headers },
    body: status === 204 ? '' : JSON.stringify(body),
  }) satisfies Result

export const raw = (status: number, body: string, headers: Record<string, string>) =>
  ({ statusCode: status, headers: { ...SECURITY_HEADERS, ...headers }, body }) satisfies Result

export const withHeaders = (response: Result, headers: Record<string, string>): Result => ({
  ...response,
  headers: { ...(response.headers ?? {}), ...headers },
})

export const errorBody = (code: ErrorCode, message: string, details?: unknown) => ({
  error: { code, message, ...(details === undefined ? {} : { details }) },
})

export const errorResponse = (err: AppError) =>
  json(err.status, errorBody(err.code, err.message, err.details))

/** zod issues as the failing fields: `body.email: Invalid email address`. */
export const validationError = (where: string, issues: { path: PropertyKey[]; message: string }[]) => {
  const details: FieldIssue[] = issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }))
  return new AppError(
    'VALIDATION_FAILED',
    `invalid ${where}: ${details.map((d) => d.path).join(', ')}`,
    details,
  )
}
