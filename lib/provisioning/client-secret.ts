import {
  constants,
  createHash,
  createPublicKey,
  type KeyObject,
  publicEncrypt,
  randomBytes,
} from 'node:crypto'
import { KitWireError } from './kit-json.js'

/**
 * The client secret travels in applicationSync encrypted with the provider's RSA public key
 * (protocol doc C.7): RSA ≥ 3072 bits, "OAEP", hash undocumented. Three OAEP profiles are in use
 * and each decrypts only its own ciphertexts, so the profile is per app:
 * - 'sha256-mgf1sha1': label hash SHA-256, MGF1 with SHA-1. What Java's
 *   `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` does with no parameters; the likeliest for providers
 *   built from Huawei's Java sample, hence the default. OpenSSL has no single switch for the mix,
 *   so the encoding is built here (RFC 8017 §7.1.1) and encrypted raw.
 * - 'sha1': SHA-1 and MGF1-SHA-1 (Java `RSA/ECB/OAEPPadding`, `…OAEPWithSHA-1AndMGF1Padding`).
 * - 'sha256': SHA-256 and MGF1-SHA-256 (OpenSSL, WebCrypto, Java with explicit parameters).
 */
export type OaepProfile = 'sha256-mgf1sha1' | 'sha1' | 'sha256'

/** In the order a provider's self-test tries them, moving on at resultCode 000101 (C.7). */
export const OAEP_PROFILES: readonly OaepProfile[] = ['sha256-mgf1sha1', 'sha1', 'sha256']
export const DEFAULT_OAEP_PROFILE: OaepProfile = 'sha256-mgf1sha1'

export const MIN_MODULUS_BITS = 3072
/** Far above any RSA public key's text (an 8192-bit PEM is under 1.5 kB): refuse before parsing. */
const MAX_KEY_TEXT = 16_384

const refuse = (message: string) => new KitWireError(message)

const fromDer = (der: Buffer): KeyObject => {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type })
    } catch {
      // try the other encoding
    }
  }
  throw refuse('the public key is not an SPKI or PKCS#1 public key')
}

/**
 * The provider's public key as uploaded: PEM `PUBLIC KEY` (SPKI), the same without its header and
 * footer lines (bare base64, what the console asks for), or PEM `RSA PUBLIC KEY` (PKCS#1). RSA
 * only (not RSA-PSS, which cannot encrypt), modulus ≥ 3072 bits. A private key is refused
 * rather than used: it was pasted by mistake, and the provider should know.
 */
export const readProviderPublicKey = (text: string): KeyObject => {
  if (typeof text !== 'string' || text.trim() === '') throw refuse('no public key given')
  if (text.length > MAX_KEY_TEXT) throw refuse('the public key text is too long')
  const trimmed = text.trim()
  let key: KeyObject
  if (trimmed.startsWith('-----BEGIN')) {
    const labels = [...trimmed.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1])
    if (labels.some((l) => l?.includes('PRIVATE')))
      throw refuse('this is a private key: upload the public key only (and make a new key pair)')
    if (labels.length !== 1 || (labels[0] !== 'PUBLIC KEY' && labels[0] !== 'RSA PUBLIC KEY'))
      throw refuse('a PEM public key is one "PUBLIC KEY" or "RSA PUBLIC KEY" block')
    try {
      key = createPublicKey({ key: trimmed, format: 'pem' })
    } catch {
      throw refuse('the PEM public key does not parse')
    }
  } else {
    const base64 = trimmed.replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0)
      throw refuse('the public key is neither PEM nor base64')
    key = fromDer(Buffer.from(base64, 'base64'))
  }
  if (key.type !== 'public') throw refuse('this is not a public key')
  if (key.asymmetricKeyType !== 'rsa') throw refuse(`the public key is ${key.asymmetricKeyType}, not RSA`)
  const { modulusLength, publicExponent } = key.asymmetricKeyDetails ?? {}
  if (modulusLength === undefined || modulusLength < MIN_MODULUS_BITS)
    throw refuse(`the RSA key has ${modulusLength} bits, at least ${MIN_MODULUS_BITS} are required`)
  if (publicExponent === undefined || publicExponent < 3n || publicExponent % 2n === 0n)
    throw refuse('the RSA key has an invalid public exponent')
  return key
}

/** MGF1 (RFC 8017 B.2.1): hashes of seed ‖ counter, concatenated and cut to `length`. */
export const mgf1 = (hash: string, seed: Buffer, length: number): Buffer => {
  const blocks: Buffer[] = []
  let total = 0
  for (let counter = 0; total < length; counter++) {
    const c = Buffer.alloc(4)
    c.writeUInt32BE(counter)
    const block = createHash(hash).update(seed).update(c).digest()
    blocks.push(block)
    total += block.length
  }
  return Buffer.concat(blocks).subarray(0, length)
}

export const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((byte, i) => byte ^ b[i]!))

/**
 * EME-OAEP encoding (RFC 8017 §7.1.1, empty label) with its own hash for the label and MGF1:
 * EM = 0x00 ‖ maskedSeed ‖ maskedDB, DB = lHash ‖ PS ‖ 0x01 ‖ M.
 */
const emeOaep = (message: Buffer, k: number, labelHash: string, mgfHash: string): Buffer => {
  const lHash = createHash(labelHash).digest()
  const hLen = lHash.length
  const db = Buffer.concat([
    lHash,
    Buffer.alloc(k - message.length - 2 * hLen - 2),
    Buffer.from([1]),
    message,
  ])
  const seed = randomBytes(hLen)
  const maskedDb = xor(db, mgf1(mgfHash, seed, k - hLen - 1))
  const maskedSeed = xor(seed, mgf1(mgfHash, maskedDb, hLen))
  return Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb])
}

/** The secret encrypted for the provider, base64 (a 3072-bit key gives 512 characters). */
export const encryptClientSecret = (
  key: KeyObject,
  secret: string,
  oaep: OaepProfile = DEFAULT_OAEP_PROFILE,
): string => {
  if (!OAEP_PROFILES.includes(oaep)) throw refuse(`unknown OAEP profile ${oaep}`)
  if (secret === '') throw refuse('no client secret to encrypt')
  const message = Buffer.from(secret, 'utf8')
  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
  const hLen = oaep === 'sha1' ? 20 : 32 // the label hash's length bounds the message
  if (message.length > k - 2 * hLen - 2)
    throw refuse(
      `the secret is ${message.length} bytes, at most ${k - 2 * hLen - 2} fit this key and profile`,
    )
  if (oaep === 'sha256-mgf1sha1')
    return publicEncrypt(
      { key, padding: constants.RSA_NO_PADDING },
      emeOaep(message, k, 'sha256', 'sha1'),
    ).toString('base64')
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep }, message).toString(
    'base64',
  )
}
