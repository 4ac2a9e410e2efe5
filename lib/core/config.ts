import * as z from 'zod'

/*
 * Each chained call builds a schema (and each check one more), all at every cold start: settings
 * of one kind share one schema rather than each building its own chain.
 */
const PositiveInt = z.coerce.number().int().positive()
const intFrom = (fallback: number) => PositiveInt.default(fallback)
const Setting = z.string().min(1).optional()
/** A local stand-in's address (in AWS the SDK finds the service itself). */
const Endpoint = z.url().optional()
const Flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true')

/** Every setting the functions read, validated once; a missing or malformed one fails the cold start. */
const ConfigSchema = z
  .object({
    ATRIUM_TABLE_NAME: z.string().min(3),
    AWS_REGION: z.string().default('us-east-1'),
    /** Set only locally (DynamoDB Local); in AWS the SDK finds the regional endpoint. */
    DYNAMODB_ENDPOINT: Endpoint,
    /** Set only locally: AWS Marketplace's stand-in (scripts/local/aws-marketplace.ts) */
    AWS_MARKETPLACE_ENDPOINT: Endpoint,
    /** AWS: the KMS key wrapping data keys. Locally: a key file the local stack creates. */
    PII_KMS_KEY_ID: Setting,
    LOCAL_MASTER_KEY_FILE: Setting,
    PLATFORM_DOMAIN: z.string().min(3).default('atrium.localhost'),
    /** how long the provisioning sender waits for quiet before a call of fewer than 500 users */
    PROVISIONING_SETTLE_MS: z.coerce.number().int().min(0).max(10_000).default(2000),
    /** where the API is reached (API Gateway's endpoint; locally http://localhost:PORT) */
    PUBLIC_API_URL: z
      .url()
      .default('http://localhost:3000')
      .transform((v) => v.replace(/\/+$/, '')),
    /**
     * Whether requests to addresses tenants typed in may reach this machine and private networks:
     * only on the local stack, where the apps run on this machine (lib/core/http/outbound.ts).
     */
    OUTBOUND_ALLOW_SPECIAL_USE: Flag,
    /**
     * Whether each tenant's own domain `<code>.<PLATFORM_DOMAIN>` reaches the API (the deployment's
     * wildcard custom domain): then sign-in addresses are given out on it.
     */
    TENANT_DOMAINS: Flag,
    /**
     * Where national mobile numbers are read when a tenant names no region, and for logins (an
     * account is platform-wide). Checked against the numbering plans where numbers are read.
     */
    DEFAULT_PHONE_REGION: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 region such as CN')
      .default('CN'),
    TOKEN_ISSUER: z.string().default('https://auth.atrium'),
    ACCESS_TOKEN_TTL_SECONDS: intFrom(900).pipe(z.number().max(900)),
    REFRESH_TOKEN_TTL_DAYS: intFrom(30),
    SIGNING_KEY_ROTATION_DAYS: intFrom(30),
    /** an app's duplicate retry of a refresh within this many seconds is answered, not taken as theft */
    SSO_REFRESH_GRACE_SECONDS: intFrom(30).pipe(z.number().max(120)),
    /** password attempts of one identifier from one client address, per window */
    LOGIN_MAX_FAILURES: intFrom(5),
    /** password attempts of one identifier from all addresses together, per window */
    LOGIN_MAX_FAILURES_PER_IDENTIFIER: intFrom(30),
    /** password attempts from one address across identifiers, per window (net of successes) */
    LOGIN_MAX_ATTEMPTS_PER_ADDRESS: intFrom(100),
    /** codes (proof of an e-mail address or mobile number) one address may ask for in an hour */
    CODE_REQUESTS_PER_HOUR_PER_ADDRESS: intFrom(20),
    LOGIN_FAILURE_WINDOW_MINUTES: intFrom(15),
    LOGIN_LOCK_MINUTES: intFrom(15),
    LOGIN_LOG_RETENTION_DAYS: intFrom(180),
    /** Days a frozen instance is kept before release, by marketplace customer level. */
    RETENTION_DAYS_BY_LEVEL: z
      .string()
      .default('{"V0":15,"V1":15,"V2":30,"V3":60,"V4":90,"V5":90}')
      .transform((raw, ctx) => {
        try {
          return z.record(z.string(), z.number().int().positive()).parse(JSON.parse(raw))
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object of level -> days' })
          return z.NEVER
        }
      }),
    DEFAULT_RETENTION_DAYS: intFrom(15),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** KooGallery merchant key: the value locally, a Secrets Manager secret in AWS */
    KOOGALLERY_KEY: z.string().min(8).optional(),
    KOOGALLERY_KEY_SECRET_ARN: Setting,
    /** how far a KooGallery request's timeStamp may be from our clock */
    KOOGALLERY_TIMESTAMP_WINDOW_SECONDS: intFrom(300),
    /**
     * KooGallery's open API (V2 reads orders there): its base URL, and the AK/SK its gateway
     * knows us by, as values locally or one Secrets Manager secret `{"ak","sk"}` in AWS. All
     * optional: without them a V2 order cannot be read (the local stack plays the open API).
     */
    KOOGALLERY_OPENAPI_URL: z
      .url()
      .optional()
      .transform((v) => v?.replace(/\/+$/, '')),
    KOOGALLERY_OPENAPI_AK: Setting,
    KOOGALLERY_OPENAPI_SK: Setting,
    KOOGALLERY_OPENAPI_SECRET_ARN: Setting,
    /** The bucket of uploaded media (branding images, news covers, portal banners). */
    MEDIA_BUCKET: z.string().min(3).default('atrium-local-media'),
    /** Set only locally: the S3 stand-in (scripts/local/s3.ts); in AWS the SDK finds S3 itself. */
    S3_ENDPOINT: Endpoint,
    /**
     * Where served media objects are read by browsers (no trailing slash); default: the stand-in's
     * path-style address locally, the bucket's regional address in AWS.
     */
    MEDIA_PUBLIC_URL: z
      .url()
      .optional()
      .transform((v) => v?.replace(/\/+$/, '')),
    /**
     * The WebSocket API's management endpoint, where messages to connected devices are posted (its
     * https stage URL in AWS; serverless-offline's WebSocket address locally). Unset: no WebSocket
     * API, so nobody is connected and nothing is pushed.
     */
    WEBSOCKET_MANAGEMENT_URL: z
      .url()
      .optional()
      .transform((v) => v?.replace(/\/+$/, '')),
    /** Tests only: a directory where each function's AWS commands are recorded (aws-command-log.ts). */
    ATRIUM_AWS_COMMAND_LOG: Setting,
  })
  .refine((c) => c.PII_KMS_KEY_ID !== undefined || c.LOCAL_MASTER_KEY_FILE !== undefined, {
    message: 'set PII_KMS_KEY_ID (AWS) or LOCAL_MASTER_KEY_FILE (local)',
    path: ['PII_KMS_KEY_ID'],
  })

export type Config = z.infer<typeof ConfigSchema>

let cached: Config | undefined

export class ConfigError extends Error {}

export const config = (): Config => {
  if (cached) return cached
  // An empty variable means "not set" (deploy tools render absent settings as '').
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ''))
  // parsed once per container: zod's compiled fast path for objects would cost more to build than it saves
  const parsed = ConfigSchema.safeParse(env, { jitless: true })
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new ConfigError(`invalid configuration: ${fields}`)
  }
  cached = parsed.data
  return cached
}

/** Tests change the environment between suites; production never calls this. */
export const resetConfig = (): void => {
  cached = undefined
}
