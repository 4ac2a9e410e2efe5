import { portFromEnv } from './process.js'

/** A KooGallery merchant key for local use only; AWS stages read theirs from Secrets Manager. */
export const LOCAL_KOOGALLERY_KEY = 'local-koogallery-key-change-me'
/** The AK/SK the local stand-in of KooGallery's open API knows the functions by. */
export const LOCAL_OPENAPI_AK = 'local-openapi-ak'
export const LOCAL_OPENAPI_SK = 'local-openapi-sk-change-me'

/**
 * The logins the seed makes and npm start prints (passwords overridden by ATRIUM_ADMIN_PASSWORD and
 * ATRIUM_DEMO_PASSWORD): one place for the seed, npm start and the scripts that use the demo.
 */
export const DEMO_LOGINS = {
  adminIdentifier: 'admin@atrium.localhost',
  adminPassword: 'Atrium-admin-2026',
  demoPassword: 'Atrium-demo-2026',
  /** the demo tenant's administrator */
  demoTenantAdmin: 'admin@demo.atrium.localhost',
  /** the demo organisation's business admin, the banner's demo member */
  demoMemberName: 'Li Jing',
} as const

/** The demo accounts' password as npm start set it: ATRIUM_DEMO_PASSWORD, else the default. */
export const demoPassword = (): string => process.env.ATRIUM_DEMO_PASSWORD || DEMO_LOGINS.demoPassword

/** The media bucket of the local stack (npm start's S3 stand-in, the tests' own). */
export const LOCAL_MEDIA_BUCKET = 'atrium-local-media'

/** npm start's table; the scripts that work against a running stack use it too. */
export const LOCAL_TABLE_NAME = 'atrium-local'

/** The local stack's ports, each overridden by the environment variable of its name. */
export const DEFAULT_PORTS = {
  PORT: 3000,
  /** serverless-offline's WebSocket API (messages) and its management API (@connections) */
  WEBSOCKET_PORT: 3001,
  LAMBDA_PORT: 3002,
  DYNAMODB_PORT: 8000,
  DEMO_APP_PORT: 3005,
  /** npm run provider: the stand-in app provider (scripts/local/provider.ts) */
  PROVIDER_PORT: 3006,
  /** npm start's stand-in of KooGallery's open API (scripts/local/koogallery-openapi.ts) */
  KOOGALLERY_OPENAPI_PORT: 3007,
  /** AWS Marketplace's stand-in (scripts/local/aws-marketplace.ts), started by npm start */
  AWS_MARKETPLACE_PORT: 3008,
  /** the S3 stand-in holding uploaded media (scripts/local/s3.ts), started by npm start */
  S3_PORT: 3009,
} as const
export type PortSetting = keyof typeof DEFAULT_PORTS

/** A port npm start listens on: the variable, else its default; 0 lets it pick a free one. */
export const localPort = (variable: PortSetting): number => portFromEnv(variable, DEFAULT_PORTS[variable])

/**
 * The port of a running npm start, for the scripts that talk to it: the same variable, the same
 * default. 0 names no port (npm start picked one and printed it).
 */
export const runningStackPort = (variable: PortSetting): number => {
  const port = localPort(variable)
  if (port === 0) {
    throw new Error(`${variable}=0 lets npm start pick a free port: set ${variable} to the port it printed`)
  }
  return port
}

export interface LocalEnvOptions {
  endpoint: string
  tableName: string
  masterKeyFile: string
}

/**
 * The settings the functions read (lib/core/config.ts), pointed at the local stack: one source
 * for `npm start`, the tests and the benchmarks. PLATFORM_DOMAIN, KOOGALLERY_KEY and the
 * KOOGALLERY_OPENAPI_* settings may be overridden from the caller's environment.
 */
export const localEnv = ({
  endpoint,
  tableName,
  masterKeyFile,
}: LocalEnvOptions): Record<string, string> => ({
  ATRIUM_TABLE_NAME: tableName,
  DYNAMODB_ENDPOINT: endpoint,
  MEDIA_BUCKET: LOCAL_MEDIA_BUCKET,
  LOCAL_MASTER_KEY_FILE: masterKeyFile,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  PLATFORM_DOMAIN: process.env.PLATFORM_DOMAIN || 'atrium.localhost',
  KOOGALLERY_KEY: process.env.KOOGALLERY_KEY || LOCAL_KOOGALLERY_KEY,
  // the real open API when given; npm start otherwise points the URL at its stand-in
  KOOGALLERY_OPENAPI_URL: process.env.KOOGALLERY_OPENAPI_URL ?? '',
  KOOGALLERY_OPENAPI_AK: process.env.KOOGALLERY_OPENAPI_AK || LOCAL_OPENAPI_AK,
  KOOGALLERY_OPENAPI_SK: process.env.KOOGALLERY_OPENAPI_SK || LOCAL_OPENAPI_SK,
  // the local apps run on this machine (lib/core/http/outbound.ts)
  OUTBOUND_ALLOW_SPECIAL_USE: 'true',
  // the SDK's notice that it will require Node 22 repeats in every local process
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
})
