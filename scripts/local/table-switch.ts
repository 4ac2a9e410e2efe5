import { forgetSigningKey } from '../../lib/core/auth/signing-keys.js'
import { forgetVerificationKeys } from '../../lib/core/auth/tokens.js'
import { resetConfig } from '../../lib/core/config.js'
import { forgetCiphers } from '../../lib/core/crypto/data-keys.js'
import { resetKeyWrapper } from '../../lib/core/crypto/key-wrapper.js'
import { resetDocumentClient } from '../../lib/core/db/client.js'
import { resetS3Client } from '../../lib/media/s3.js'

/**
 * Moves this process to other settings (another table): every setting, client and key cached
 * for the old ones is dropped, as a new Lambda container would start. Tests and the bench.
 */
export const switchSettings = (env: Record<string, string>): void => {
  Object.assign(process.env, env)
  resetConfig()
  resetDocumentClient()
  resetS3Client()
  resetKeyWrapper()
  forgetCiphers()
  forgetSigningKey()
  forgetVerificationKeys()
}
