import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  privateDecrypt,
  timingSafeEqual,
} from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { mgf1, type OaepProfile, xor } from '../../../lib/provisioning/client-secret.js'

/**
 * The stand-in provider's RSA key pair (protocol doc C.7): 3072 bits, made at the first start and
 * kept in its folder (when it has one) so that a restart still opens what Atrium sealed for it.
 * The public key is what a provider uploads (PEM SPKI); the private key stays in the folder.
 */
export interface ProviderKeys {
  privateKey: KeyObject
  publicKeyPem: string
}

const KEY_FILE = 'private-key.pem'
const MODULUS_BITS = 3072

export const loadOrCreateKeys = async (dir?: string): Promise<ProviderKeys> => {
  const file = dir ? join(dir, KEY_FILE) : undefined
  let privateKey: KeyObject
  if (file && existsSync(file)) {
    privateKey = createPrivateKey(readFileSync(file, 'utf8'))
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0
    if (privateKey.asymmetricKeyType !== 'rsa' || bits < MODULUS_BITS)
      throw new Error(
        `${file} is not an RSA key of at least ${MODULUS_BITS} bits: delete it to make a new one`,
      )
  } else {
    ;({ privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: MODULUS_BITS }))
    if (dir && file) {
      mkdirSync(dir, { recursive: true })
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    }
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
  return { privateKey, publicKeyPem }
}

/** One error for every way a ciphertext can be wrong: RFC 8017 asks a decrypter not to say which. */
export class DecryptionError extends Error {
  constructor() {
    super('the client secret does not decrypt with this key and OAEP profile')
    this.name = 'DecryptionError'
  }
}

/**
 * RSAES-OAEP decryption (RFC 8017 7.1.2) with SHA-256 for the label and MGF1 over SHA-1: what
 * Java's `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` means with no parameters, and what Atrium sends
 * by default. OpenSSL (so node's privateDecrypt) takes one hash for both, so the RSA step runs
 * raw (RSA_NO_PADDING) and the EME-OAEP decoding is done here. Written apart from Atrium's encoder
 * (lib/provisioning/client-secret.ts) on purpose: a mistake in one is not repeated in the other.
 */
const decryptSha256Mgf1Sha1 = (privateKey: KeyObject, ciphertext: Buffer): Buffer => {
  const k = Math.ceil((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
  const lHash = createHash('sha256').digest() // the hash of the empty label
  const hLen = lHash.length // 32: the seed is as long as the label hash, whatever MGF1 hashes with
  // 7.1.2 step 1: a ciphertext is exactly k bytes, and k leaves room for the encoding
  if (ciphertext.length !== k || k < 2 * hLen + 2) throw new DecryptionError()
  // step 2, RSADP: m = c^d mod n, as k bytes (leading zero bytes kept)
  const raw = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext)
  const em = Buffer.concat([Buffer.alloc(Math.max(0, k - raw.length)), raw])
  // step 3: EM = Y ‖ maskedSeed ‖ maskedDB
  const y = em[0]
  const maskedSeed = em.subarray(1, 1 + hLen)
  const maskedDb = em.subarray(1 + hLen)
  const seed = xor(maskedSeed, mgf1('sha1', maskedDb, hLen))
  const db = xor(maskedDb, mgf1('sha1', seed, k - hLen - 1))
  // DB = lHash' ‖ PS (zero bytes) ‖ 0x01 ‖ M
  const separator = db.indexOf(1, hLen)
  const padding = db.subarray(hLen, separator < 0 ? db.length : separator)
  const labelOk = timingSafeEqual(db.subarray(0, hLen), lHash)
  if (y !== 0 || !labelOk || separator < 0 || padding.some((b) => b !== 0)) throw new DecryptionError()
  return db.subarray(separator + 1)
}

/**
 * The client secret applicationSync carries (base64 of the RSA-OAEP ciphertext), opened with the
 * provider's private key under the one OAEP profile this provider was built with; a ciphertext
 * sealed under another profile fails here, as it would at a real provider (result code 000101).
 */
export const decryptClientSecret = (
  privateKey: KeyObject,
  base64: string,
  profile: OaepProfile = 'sha256-mgf1sha1',
): string => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new DecryptionError()
  const ciphertext = Buffer.from(base64, 'base64')
  let plain: Buffer
  try {
    plain =
      profile === 'sha256-mgf1sha1'
        ? decryptSha256Mgf1Sha1(privateKey, ciphertext)
        : privateDecrypt(
            { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: profile },
            ciphertext,
          )
  } catch {
    throw new DecryptionError()
  }
  const text = plain.toString('utf8')
  if (text === '' || Buffer.from(text, 'utf8').compare(plain) !== 0) throw new DecryptionError()
  return text
}
