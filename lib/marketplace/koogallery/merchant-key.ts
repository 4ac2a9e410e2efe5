import { recordAwsCommand } from '../../core/aws-command-log.js'
import { config } from '../../core/config.js'

let key: Promise<string> | undefined

/** The merchant key: from the environment locally, from Secrets Manager (once per container) in AWS. */
export const merchantKey = (): Promise<string> => {
  if (key) return key
  // what a cold container in AWS sends, whichever source serves the key here
  recordAwsCommand('secretsmanager:GetSecretValue', 'koogallery-key-secret')
  const { KOOGALLERY_KEY, KOOGALLERY_KEY_SECRET_ARN, AWS_REGION } = config()
  if (KOOGALLERY_KEY) {
    key = Promise.resolve(KOOGALLERY_KEY)
  } else if (KOOGALLERY_KEY_SECRET_ARN) {
    // Loaded only where the key lives in Secrets Manager (AWS), not on every cold start.
    key = import('@aws-sdk/client-secrets-manager')
      .then(({ GetSecretValueCommand, SecretsManagerClient }) =>
        new SecretsManagerClient({ region: AWS_REGION }).send(
          new GetSecretValueCommand({ SecretId: KOOGALLERY_KEY_SECRET_ARN }),
        ),
      )
      .then((out) => {
        if (!out.SecretString) throw new Error('the KooGallery key secret is empty')
        return out.SecretString
      })
    key.catch(() => {
      key = undefined
    })
  } else {
    throw new Error('set KOOGALLERY_KEY (local) or KOOGALLERY_KEY_SECRET_ARN (AWS)')
  }
  return key
}

export const forgetMerchantKey = (): void => {
  key = undefined
}
