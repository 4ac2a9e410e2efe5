import { randomBytes } from 'node:crypto'
import { FieldCipher } from '../../lib/core/crypto/field-cipher.js'

describe('FieldCipher', () => {
  const cipher = new FieldCipher(randomBytes(32))

  it('round-trips a value and never stores the plaintext', () => {
    const sealed = cipher.encrypt('Zhang Wei', 'member:1:name')
    expect(sealed).not.toContain('Zhang')
    expect(cipher.decrypt(sealed, 'member:1:name')).toBe('Zhang Wei')
  })

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('same', 'a')).not.toBe(cipher.encrypt('same', 'a'))
  })

  it('refuses a ciphertext moved to another item or field', () => {
    const sealed = cipher.encrypt('13800000000', 'member:1:mobile')
    expect(() => cipher.decrypt(sealed, 'member:2:mobile')).toThrow()
    expect(() => cipher.decrypt(sealed, 'member:1:email')).toThrow()
  })

  it('refuses a ciphertext under another data key', () => {
    const other = new FieldCipher(randomBytes(32))
    expect(() => other.decrypt(cipher.encrypt('x', 'a'), 'a')).toThrow()
  })

  it('gives deterministic blind indexes that differ by kind and by key', () => {
    expect(cipher.blindIndex('email', 'a@b.c')).toBe(cipher.blindIndex('email', 'a@b.c'))
    expect(cipher.blindIndex('email', 'a@b.c')).not.toBe(cipher.blindIndex('mobile', 'a@b.c'))
    expect(new FieldCipher(randomBytes(32)).blindIndex('email', 'a@b.c')).not.toBe(
      cipher.blindIndex('email', 'a@b.c'),
    )
  })
})
