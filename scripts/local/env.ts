/** A KooGallery merchant key for local use only; AWS stages read theirs from Secrets Manager. */
export const LOCAL_KOOGALLERY_KEY = 'local-koogallery-key-change-me'

export interface LocalEnvOptions {
  endpoint: string
  tableName: string
  masterKeyFile: string
}

/**
 * The settings the functions read (lib/core/config.ts), pointed at the local stack: one source
 * for `npm start`, the tests and the benchmarks. PLATFORM_DOMAIN and KOOGALLERY_KEY may be
 * overridden from the caller's environment.
 */
export const localEnv = ({
  endpoint,
  tableName,
  masterKeyFile,
}: LocalEnvOptions): Record<string, string> => ({
  ATRIUM_TABLE_NAME: tableName,
  DYNAMODB_ENDPOINT: endpoint,
  LOCAL_MASTER_KEY_FILE: masterKeyFile,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  PLATFORM_DOMAIN: process.env.PLATFORM_DOMAIN || 'atrium.localhost',
  KOOGALLERY_KEY: process.env.KOOGALLERY_KEY || LOCAL_KOOGALLERY_KEY,
  // the SDK's notice that it will require Node 22 repeats in every local process
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
})
