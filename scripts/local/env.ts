/** A KooGallery merchant key for local use only; AWS stages read theirs from Secrets Manager. */
export const LOCAL_KOOGALLERY_KEY = 'local-koogallery-key-change-me'

/** The settings the functions read (lib/core/config.ts), pointed at the local stack. */
export const localEnv = (options: { endpoint: string; tableName: string; masterKeyFile: string }) => ({
  ATRIUM_TABLE_NAME: options.tableName,
  DYNAMODB_ENDPOINT: options.endpoint,
  LOCAL_MASTER_KEY_FILE: options.masterKeyFile,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  PLATFORM_DOMAIN: process.env.PLATFORM_DOMAIN ?? 'atrium.localhost',
  KOOGALLERY_KEY: process.env.KOOGALLERY_KEY ?? LOCAL_KOOGALLERY_KEY,
  AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
})
