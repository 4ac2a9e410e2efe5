import { type AwsResource, recordAwsCommand } from '../../core/aws-command-log.js'
import { config } from '../../core/config.js'

/**
 * A KooGallery secret: its value from the environment locally, from a Secrets Manager secret (read
 * once per container) in AWS.
 */
const secretSetting = (
  resource: AwsResource,
  read: () => { value?: string; arn?: string; missing: string },
) => {
  let cached: Promise<string> | undefined
  return (): Promise<string> => {
    if (cached) return cached
    // what a cold container in AWS sends, whichever source serves the secret here
    recordAwsCommand('secretsmanager:GetSecretValue', resource)
    const { value, arn, missing } = read()
    if (value) {
      cached = Promise.resolve(value)
    } else if (arn) {
      // Loaded only where the secret lives in Secrets Manager (AWS), not on every cold start.
      cached = import('@aws-sdk/client-secrets-manager')
        .then(({ GetSecretValueCommand, SecretsManagerClient }) =>
          new SecretsManagerClient({ region: config().AWS_REGION }).send(
            new GetSecretValueCommand({ SecretId: arn }),
          ),
        )
        .then((out) => {
          if (!out.SecretString) throw new Error('a KooGallery secret is empty')
          return out.SecretString
        })
      cached.catch(() => {
        cached = undefined
      })
    } else {
      throw new Error(missing)
    }
    return cached
  }
}

/** The merchant key (the V2 accessKey too): it signs the marketplace's calls and our answers. */
export const merchantKey = secretSetting('koogallery-key-secret', () => ({
  value: config().KOOGALLERY_KEY,
  arn: config().KOOGALLERY_KEY_SECRET_ARN,
  missing: 'set KOOGALLERY_KEY (local) or KOOGALLERY_KEY_SECRET_ARN (AWS)',
}))

export interface OpenApiCredentials {
  ak: string
  sk: string
}

const openApiSecret = secretSetting('koogallery-openapi-secret', () => {
  const { KOOGALLERY_OPENAPI_AK, KOOGALLERY_OPENAPI_SK, KOOGALLERY_OPENAPI_SECRET_ARN } = config()
  return {
    value:
      KOOGALLERY_OPENAPI_AK && KOOGALLERY_OPENAPI_SK
        ? JSON.stringify({ ak: KOOGALLERY_OPENAPI_AK, sk: KOOGALLERY_OPENAPI_SK })
        : undefined,
    arn: KOOGALLERY_OPENAPI_SECRET_ARN,
    missing:
      'set KOOGALLERY_OPENAPI_AK and KOOGALLERY_OPENAPI_SK (local) or KOOGALLERY_OPENAPI_SECRET_ARN (AWS)',
  }
})

/** The AK/SK the marketplace's open API gateway knows us by (the seller's "My Credentials"). */
export const openApiCredentials = async (): Promise<OpenApiCredentials> => {
  const { ak, sk } = JSON.parse(await openApiSecret()) as Partial<OpenApiCredentials>
  if (!ak || !sk) throw new Error('the KooGallery open API secret needs {"ak": …, "sk": …}')
  return { ak, sk }
}
