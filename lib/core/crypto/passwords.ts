import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * scrypt with its parameters stored beside the hash ("scrypt$<log2N>$<r>$<p>$<salt>$<hash>"),
 * so the cost can be raised later and old hashes still verify (and get rehashed on login).
 */
export const PASSWORD_PARAMS = { log2N: 15, r: 8, p: 1, keyLength: 32 }

const derive = (password: string, salt: Buffer, log2N: number, r: number, p: number, length: number) =>
  new Promise<Buffer>((resolve, reject) => {
    const options: ScryptOptions = { N: 2 ** log2N, r, p, maxmem: 256 * 2 ** log2N * r }
    scrypt(password.normalize('NFKC'), salt, length, options, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })

export const hashPassword = async (password: string): Promise<string> => {
  const { log2N, r, p, keyLength } = PASSWORD_PARAMS
  const salt = randomBytes(16)
  const hash = await derive(password, salt, log2N, r, p, keyLength)
  return ['scrypt', log2N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

/**
 * For secrets we generate (one-time passwords, ~80 random bits): key stretching adds nothing
 * against guessing a random 80-bit value, so a salted SHA-256 is enough, and a 1,000-member import
 * does not spend minutes hashing. The first login replaces it with a scrypt hash of the person's
 * own password (they must change it).
 */
export const hashGeneratedSecret = (secret: string): string => {
  const salt = randomBytes(16)
  return [
    'sha256',
    salt.toString('base64url'),
    createHash('sha256').update(salt).update(secret).digest('base64url'),
  ].join('$')
}

export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  if (stored.startsWith('sha256$')) {
    const [, salt = '', hash = ''] = stored.split('$')
    const expected = Buffer.from(hash, 'base64url')
    const actual = createHash('sha256')
      .update(Buffer.from(salt, 'base64url'))
      .update(password.normalize('NFKC'))
      .digest()
    return expected.length === actual.length && timingSafeEqual(actual, expected)
  }
  const [alg, log2N, r, p, salt, hash] = stored.split('$')
  if (alg !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await derive(
    password,
    Buffer.from(salt, 'base64url'),
    Number(log2N),
    Number(r),
    Number(p),
    expected.length,
  )
  return timingSafeEqual(actual, expected)
}

export const needsRehash = (stored: string): boolean => {
  const [alg, log2N, r, p] = stored.split('$')
  if (alg !== 'scrypt') return true
  return (
    Number(log2N) < PASSWORD_PARAMS.log2N ||
    Number(r) !== PASSWORD_PARAMS.r ||
    Number(p) !== PASSWORD_PARAMS.p
  )
}

/** Verified against when the account does not exist, so timing does not reveal which identifiers exist. */
let dummyHash: Promise<string> | undefined
export const burnPasswordCheck = async (password: string): Promise<void> => {
  dummyHash ??= hashPassword(randomBytes(12).toString('hex'))
  await verifyPassword(password, await dummyHash)
}

/** The password rule for every password a person chooses. */
export const PASSWORD_RULE = {
  minLength: 10,
  maxLength: 128,
  message: 'must be 10-128 characters with at least one letter and one digit',
}
export const isStrongPassword = (value: string): boolean =>
  value.length >= PASSWORD_RULE.minLength &&
  value.length <= PASSWORD_RULE.maxLength &&
  /[A-Za-z]/.test(value) &&
  /\d/.test(value)
