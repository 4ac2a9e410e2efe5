/** Every error code the API answers with, and its HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  /** a sign-in code that is unknown, used already or expired */
  INVALID_CODE: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  REFRESH_TOKEN_INVALID: 401,
  /** an app's client did not authenticate (unknown, wrong secret, or not the client a code was issued to) */
  INVALID_CLIENT: 401,
  /** the token's session ended (logout, password change or reset, removal, release): log in again */
  SESSION_ENDED: 401,
  /** the caller's roles changed since the token was issued: refresh it */
  TOKEN_STALE: 401,
  FORBIDDEN: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  TENANT_FROZEN: 403,
  ACCOUNT_DISABLED: 403,
  /** the right password, but the person's request to join waits for an administrator */
  APPROVAL_PENDING: 403,
  /** no grant lets the member use the app */
  NOT_ENTITLED: 403,
  /** the workbench's edition does not include a custom portal (it shows its industry's) */
  PORTAL_NOT_IN_EDITION: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  INSTANCE_EXISTS: 409,
  FREE_TRIAL_USED: 409,
  INVALID_STATE: 409,
  /** the app is switched off, its licence lapsed, or the member waits for one of its seats */
  APP_DISABLED: 409,
  APP_LAPSED: 409,
  WAITING_FOR_SEAT: 409,
  /** an invitation that no longer admits anyone, and why */
  INVITATION_REVOKED: 410,
  INVITATION_EXPIRED: 410,
  INVITATION_USED_UP: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SEAT_LIMIT_REACHED: 422,
  PLAN_LIMIT_EXCEEDED: 422,
  /** the drive's usage plus what was asked would pass the edition's quota (details: used, quota, needed) */
  DRIVE_QUOTA_EXCEEDED: 422,
  /** the edition is no longer sold: no workbench opens on it or moves to it */
  PLAN_RETIRED: 409,
  ACCOUNT_LOCKED: 429,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export interface FieldIssue {
  path: string
  message: string
}

export class AppError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'AppError'
    this.status = ERROR_STATUS[code]
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`)
export const forbidden = (message = 'not allowed'): AppError => new AppError('FORBIDDEN', message)
