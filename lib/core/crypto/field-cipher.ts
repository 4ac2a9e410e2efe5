import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Field-level encryption of personal data under one data key (per tenant, or the platform's).
 * Two sub-keys are derived from it: one encrypts (AES-256-GCM), one computes blind indexes.
 * The item's owner and the field name are bound as AAD, so a ciphertext cannot be moved
 * to another item or field and still decrypt.
 */
export class FieldCipher {
  private readonly encKey: Buffer
  private readonly indexKey: Buffer

  constructor(dataKey: Buffer) {
    this.encKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'atrium/pii/enc/v1', 32))
    this.indexKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'atrium/pii/index/v1', 32))
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv).setAAD(Buffer.from(aad))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return `v1.${iv.toString('base64url')}.${Buffer.concat([body, cipher.getAuthTag()]).toString('base64url')}`
  }

  decrypt(value: string, aad: string): string {
    const [version, iv, data] = value.split('.')
    if (version !== 'v1' || !iv || !data) throw new Error('unknown ciphertext format')
    const raw = Buffer.from(data, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(aad))
    decipher.setAuthTag(raw.subarray(raw.length - 16))
    return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    )
  }

  /** Deterministic keyed hash of a normalised value: equality lookups without storing the value. */
  blindIndex(kind: string, normalised: string): string {
    return createHmac('sha256', this.indexKey).update(`${kind}:${normalised}`).digest('base64url')
  }
}
