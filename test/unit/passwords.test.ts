import {
  hashGeneratedSecret,
  hashPassword,
  isStrongPassword,
  needsRehash,
  PASSWORD_PARAMS,
  verifyPassword,
} from '../../lib/core/crypto/passwords.js'

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('Correct-horse-1')
    expect(await verifyPassword('Correct-horse-1', stored)).toBe(true)
    expect(await verifyPassword('Correct-horse-2', stored)).toBe(false)
  })

  it('stores its parameters beside the hash and salts every hash', async () => {
    const a = await hashPassword('same-password-1')
    const b = await hashPassword('same-password-1')
    expect(a).not.toBe(b)
    expect(a.split('$').slice(0, 4)).toEqual(['scrypt', String(PASSWORD_PARAMS.log2N), '8', '1'])
    expect(needsRehash(a)).toBe(false)
  })

  it('verifies a hash made with older, weaker parameters and flags it for rehash', async () => {
    const { log2N } = PASSWORD_PARAMS
    PASSWORD_PARAMS.log2N = 10
    const weak = await hashPassword('legacy-pass-1')
    PASSWORD_PARAMS.log2N = log2N
    expect(await verifyPassword('legacy-pass-1', weak)).toBe(true)
    expect(needsRehash(weak)).toBe(true)
  })

  it('refuses a malformed stored value', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false)
  })

  it('applies the password rule', () => {
    expect(isStrongPassword('short1')).toBe(false)
    expect(isStrongPassword('no-digits-here')).toBe(false)
    expect(isStrongPassword('long-enough-1')).toBe(true)
  })
})

describe('generated one-time secrets', () => {
  it('verify with a fast salted hash and are always due for a proper rehash', async () => {
    const stored = hashGeneratedSecret('Xk3-generated-Qp9')
    expect(stored.startsWith('sha256$')).toBe(true)
    expect(await verifyPassword('Xk3-generated-Qp9', stored)).toBe(true)
    expect(await verifyPassword('Xk3-generated-Qp8', stored)).toBe(false)
    expect(needsRehash(stored)).toBe(true)
    expect(hashGeneratedSecret('same')).not.toBe(hashGeneratedSecret('same'))
  })
})
