import { createHash, randomBytes, randomInt } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford base32, lower case

const randomString = (length: number, alphabet: string): string => {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

/** Time-ordered id (48-bit ms timestamp + 80 random bits), so ids sort by creation. */
export const newId = (atMs = Date.now()): string => {
  const ts = atMs.toString(32).padStart(10, '0')
  return `${ts}${randomString(16, ALPHABET)}`
}

/** The creation time of a time-ordered id, in ms. */
export const idTime = (id: string): number => Number.parseInt(id.slice(0, 10), 32)

/** A short code that forms a DNS label: starts with a letter, no ambiguous characters. */
export const newCode = (length = 8): string =>
  randomString(1, 'abcdefghjkmnpqrstvwxyz') + randomString(length - 1, ALPHABET)

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url')

/** How a secret we hand out (a code, a refresh token, a client secret) is kept: its SHA-256, never itself. */
export const secretDigest = (secret: string): string =>
  createHash('sha256').update(secret).digest('base64url')

/** Crockford base32 (lower case, like the ids) of some bytes, most significant bit first. */
export const base32 = (bytes: Uint8Array): string => {
  let out = ''
  let value = 0
  let bits = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(value >>> bits) & 31]
    }
    value &= (1 << bits) - 1
  }
  return bits > 0 ? out + ALPHABET[(value << (5 - bits)) & 31] : out
}

/** Password shown once to a new admin: letters, digits and a symbol so it passes any policy. */
export const newInitialPassword = (): string => {
  const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789'
  return `${randomString(6, chars)}-${randomString(6, chars)}-${randomInt(10, 99)}`
}
