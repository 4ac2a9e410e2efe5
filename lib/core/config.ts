/*
 * Settings are read by small readers rather than a zod schema: building that schema's hundred
 * instances and running it once came to about 5 ms of every function's cold start, for a read made
 * once per container (docs/benchmarks.md). Each reader takes the raw value (undefined when unset)
 * and returns the setting or throws the reason.
 */
type Reader<T> = (raw: string | undefined) => T

class Refused extends Error {}
const refuse = (reason: string): never => {
  throw new Refused(reason)
}

const text =
  (min = 1): Reader<string> =>
  (raw) =>
    raw === undefined ? refuse('required') : raw.length < min ? refuse(`at least ${min} characters`) : raw

const optional =
  <T>(read: Reader<T>): Reader<T | undefined> =>
  (raw) =>
    raw === undefined ? undefined : read(raw)

const orElse =
  <T>(read: Reader<T>, fallback: string): Reader<T> =>
  (raw) =>
    read(raw ?? fallback)

const int =
  ({ min = 1, max = Number.MAX_SAFE_INTEGER } = {}): Reader<number> =>
  (raw) => {
    const n = Number(raw)
    return raw !== undefined && raw.trim() !== '' && Number.isInteger(n) && n >= min && n <= max
      ? n
      : refuse(`a whole number from ${min} to ${max}`)
  }

/** An http(s) address, without a trailing slash (addresses are joined to paths). */
const address: Reader<string> = (raw) => {
  const value = text()(raw).trim()
  let protocol = ''
  try {
    protocol = new URL(value).protocol
  } catch {
    // refused below
  }
  return protocol === 'http:' || protocol === 'https:' ? value.replace(/\/+$/, '') : refuse('an http(s) URL')
}

const oneOf =
  <const T extends string>(...values: T[]): Reader<T> =>
  (raw) =>
    values.includes(raw as T) ? (raw as T) : refuse(`one of ${values.join(', ')}`)

const flag: Reader<boolean> = (raw) => oneOf('true', 'false')(raw ?? 'false') === 'true'

const daysByLevel: Reader<Record<string, number>> = (raw) => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text()(raw))
  } catch {
    // refused below
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((d) => Number.isInteger(d) && d > 0)
  return ok ? (parsed as Record<string, number>) : refuse('must be a JSON object of level -> days')
}

/** Every setting the functions read; a missing or malformed one fails the cold start. */
const SETTINGS = {
  ATRIUM_TABLE_NAME: text(3),
  AWS_REGION: orElse(text(), 'us-east-1'),
  /** Set only locally (DynamoDB Local); in AWS the SDK finds the regional endpoint. */
  DYNAMODB_ENDPOINT: optional(address),
  /** Set only locally: AWS Marketplace's stand-in (scripts/local/aws-marketplace.ts) */
  AWS_MARKETPLACE_ENDPOINT: optional(address),
  /** AWS: the KMS key wrapping data keys. Locally: a key file the local stack creates. */
  PII_KMS_KEY_ID: optional(text()),
  LOCAL_MASTER_KEY_FILE: optional(text()),
  PLATFORM_DOMAIN: orElse(text(3), 'atrium.localhost'),
  /** how long the provisioning sender waits for quiet before a call of fewer than 500 users */
  PROVISIONING_SETTLE_MS: orElse(int({ min: 0, max: 10_000 }), '2000'),
  /** where the API is reached (API Gateway's endpoint; locally http://localhost:PORT) */
  PUBLIC_API_URL: orElse(address, 'http://localhost:3000'),
  /**
   * Whether requests to addresses tenants typed in may reach this machine and private networks:
   * only on the local stack, where the apps run on this machine (lib/core/http/outbound.ts).
   */
  OUTBOUND_ALLOW_SPECIAL_USE: flag,
  /**
   * Whether each tenant's own domain `<code>.<PLATFORM_DOMAIN>` reaches the API (the deployment's
   * wildcard custom domain): then sign-in addresses are given out on it.
   */
  TENANT_DOMAINS: flag,
  /**
   * Where national mobile numbers are read when a tenant names no region, and for logins (an
   * account is platform-wide). Checked against the numbering plans where numbers are read.
   */
  DEFAULT_PHONE_REGION: orElse(
    (raw) =>
      /^[A-Z]{2}$/.test(raw ?? '') ? (raw as string) : refuse('an ISO 3166 alpha-2 region such as CN'),
    'CN',
  ),
  TOKEN_ISSUER: orElse(text(), 'https://auth.atrium'),
  ACCESS_TOKEN_TTL_SECONDS: orElse(int({ max: 900 }), '900'),
  REFRESH_TOKEN_TTL_DAYS: orElse(int(), '30'),
  SIGNING_KEY_ROTATION_DAYS: orElse(int(), '30'),
  /** an app's duplicate retry of a refresh within this many seconds is answered, not taken as theft */
  SSO_REFRESH_GRACE_SECONDS: orElse(int({ max: 120 }), '30'),
  /** password attempts of one identifier from one client address, per window */
  LOGIN_MAX_FAILURES: orElse(int(), '5'),
  /** password attempts of one identifier from all addresses together, per window */
  LOGIN_MAX_FAILURES_PER_IDENTIFIER: orElse(int(), '30'),
  /** password attempts from one address across identifiers, per window (net of successes) */
  LOGIN_MAX_ATTEMPTS_PER_ADDRESS: orElse(int(), '100'),
  /** codes (proof of an e-mail address or mobile number) one address may ask for in an hour */
  CODE_REQUESTS_PER_HOUR_PER_ADDRESS: orElse(int(), '20'),
  LOGIN_FAILURE_WINDOW_MINUTES: orElse(int(), '15'),
  LOGIN_LOCK_MINUTES: orElse(int(), '15'),
  LOGIN_LOG_RETENTION_DAYS: orElse(int(), '180'),
  /** Days a frozen instance is kept before release, by marketplace customer level. */
  RETENTION_DAYS_BY_LEVEL: orElse(daysByLevel, '{"V0":15,"V1":15,"V2":30,"V3":60,"V4":90,"V5":90}'),
  DEFAULT_RETENTION_DAYS: orElse(int(), '15'),
  LOG_LEVEL: orElse(oneOf('debug', 'info', 'warn', 'error'), 'info'),
  /** KooGallery merchant key: the value locally, a Secrets Manager secret in AWS */
  KOOGALLERY_KEY: optional(text(8)),
  KOOGALLERY_KEY_SECRET_ARN: optional(text()),
  /** how far a KooGallery request's timeStamp may be from our clock */
  KOOGALLERY_TIMESTAMP_WINDOW_SECONDS: orElse(int(), '300'),
  /**
   * KooGallery's open API (V2 reads orders there): its base URL, and the AK/SK its gateway
   * knows us by, as values locally or one Secrets Manager secret `{"ak","sk"}` in AWS. All
   * optional: without them a V2 order cannot be read (the local stack plays the open API).
   */
  KOOGALLERY_OPENAPI_URL: optional(address),
  KOOGALLERY_OPENAPI_AK: optional(text()),
  KOOGALLERY_OPENAPI_SK: optional(text()),
  KOOGALLERY_OPENAPI_SECRET_ARN: optional(text()),
  /** The bucket of uploaded media (branding images, news covers, portal banners). */
  MEDIA_BUCKET: orElse(text(3), 'atrium-local-media'),
  /** Set only locally: the S3 stand-in (scripts/local/s3.ts); in AWS the SDK finds S3 itself. */
  S3_ENDPOINT: optional(address),
  /**
   * Where served media objects are read by browsers (no trailing slash); default: the stand-in's
   * path-style address locally, the bucket's regional address in AWS.
   */
  MEDIA_PUBLIC_URL: optional(address),
  /**
   * The WebSocket API's management endpoint, where messages to connected devices are posted (its
   * https stage URL in AWS; serverless-offline's WebSocket address locally). Unset: no WebSocket
   * API, so nobody is connected and nothing is pushed.
   */
  WEBSOCKET_MANAGEMENT_URL: optional(address),
  /** Tests only: a directory where each function's AWS commands are recorded (aws-command-log.ts). */
  ATRIUM_AWS_COMMAND_LOG: optional(text()),
} satisfies Record<string, Reader<unknown>>

export type Config = { readonly [K in keyof typeof SETTINGS]: ReturnType<(typeof SETTINGS)[K]> }

let cached: Config | undefined

export class ConfigError extends Error {}

export const config = (): Config => {
  if (cached) return cached
  const read: Record<string, unknown> = {}
  const failures: string[] = []
  for (const [name, reader] of Object.entries(SETTINGS)) {
    // An empty variable means "not set" (deploy tools render absent settings as '').
    const raw = process.env[name] || undefined
    try {
      read[name] = reader(raw)
    } catch (err) {
      if (!(err instanceof Refused)) throw err
      failures.push(`${name}: ${err.message}`)
    }
  }
  if (read.PII_KMS_KEY_ID === undefined && read.LOCAL_MASTER_KEY_FILE === undefined) {
    failures.push('PII_KMS_KEY_ID: set PII_KMS_KEY_ID (AWS) or LOCAL_MASTER_KEY_FILE (local)')
  }
  if (failures.length > 0) throw new ConfigError(`invalid configuration: ${failures.join('; ')}`)
  cached = read as Config
  return cached
}

/** Tests change the environment between suites; production never calls this. */
export const resetConfig = (): void => {
  cached = undefined
}
