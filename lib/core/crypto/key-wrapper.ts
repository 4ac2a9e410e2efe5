import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { recordAwsCommand, recordingAwsCommands } from '../aws-command-log.js'
import { config } from '../config.js'

/** Wraps data keys: KMS in AWS, a local key file on a developer's machine. */
export interface KeyWrapper {
  generate(context: string): Promise<{ plaintext: Buffer; wrapped: string }>
  unwrap(wrapped: string, context: string): Promise<Buffer>
}

class KmsKeyWrapper implements KeyWrapper {
  private readonly kms = new KMSClient({ region: config().AWS_REGION })
  constructor(private readonly keyId: string) {}

  async generate(context: string) {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: { scope: context },
      }),
    )
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS returned no data key')
    return {
      plaintext: Buffer.from(out.Plaintext),
      wrapped: Buffer.from(out.CiphertextBlob).toString('base64'),
    }
  }

  async unwrap(wrapped: string, context: string) {
    const out = await this.kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(wrapped, 'base64'),
        EncryptionContext: { scope: context },
      }),
    )
    if (!out.Plaintext) throw new Error('KMS returned no plaintext')
    return Buffer.from(out.Plaintext)
  }
}

/** AES-256-GCM under a 32-byte master key read from a git-ignored file; the context is bound as AAD. */
class LocalKeyWrapper implements KeyWrapper {
  private readonly master: Buffer
  constructor(file: string) {
    this.master = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
    if (this.master.length !== 32) throw new Error('local master key must be 32 bytes, base64')
  }

  async generate(context: string) {
    const plaintext = randomBytes(32)
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.master, iv).setAAD(Buffer.from(context))
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
    return { plaintext, wrapped: `local:${Buffer.concat([iv, body]).toString('base64')}` }
  }

  async unwrap(wrapped: string, context: string) {
    const raw = Buffer.from(wrapped.replace(/^local:/, ''), 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.master, raw.subarray(0, 12))
    decipher.setAAD(Buffer.from(context))
    decipher.setAuthTag(raw.subarray(raw.length - 16))
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()])
  }
}

/** Records the KMS action each call needs in AWS, whichever implementation runs (the local one sends none). */
const recorded = (inner: KeyWrapper): KeyWrapper => ({
  generate: (context) => {
    recordAwsCommand('kms:GenerateDataKey', 'pii-key')
    return inner.generate(context)
  },
  unwrap: (wrapped, context) => {
    recordAwsCommand('kms:Decrypt', 'pii-key')
    return inner.unwrap(wrapped, context)
  },
})

let wrapper: KeyWrapper | undefined
export const keyWrapper = (): KeyWrapper => {
  if (wrapper) return wrapper
  const { PII_KMS_KEY_ID, LOCAL_MASTER_KEY_FILE } = config()
  const inner = PII_KMS_KEY_ID
    ? new KmsKeyWrapper(PII_KMS_KEY_ID)
    : new LocalKeyWrapper(LOCAL_MASTER_KEY_FILE as string)
  wrapper = recordingAwsCommands() ? recorded(inner) : inner
  return wrapper
}

export const resetKeyWrapper = (): void => {
  wrapper = undefined
}
