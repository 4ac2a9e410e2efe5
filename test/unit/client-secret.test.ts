import { execFileSync } from 'node:child_process'
import { constants, generateKeyPairSync, type KeyObject, privateDecrypt } from 'node:crypto'
import { join } from 'node:path'
import {
  DEFAULT_OAEP_PROFILE,
  encryptClientSecret,
  OAEP_PROFILES,
  type OaepProfile,
  readProviderPublicKey,
} from '../../lib/provisioning/client-secret.js'

const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits })
const { publicKey, privateKey } = rsa(3072)
const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
const pkcs1Pem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
const bare = spkiPem
  .split('\n')
  .filter((line) => !line.startsWith('-----'))
  .join('\n')

const sameKey = (a: KeyObject, b: KeyObject) =>
  a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }))

describe('reading a provider public key', () => {
  it('reads PEM SPKI, bare base64 SPKI (with or without line breaks) and PEM PKCS#1', () => {
    for (const text of [spkiPem, `\n  ${spkiPem}  \n`, bare, bare.replace(/\n/g, ''), pkcs1Pem])
      expect(sameKey(readProviderPublicKey(text), publicKey)).toBe(true)
  })

  it('refuses an RSA key under 3072 bits, naming the size', () => {
    const small = rsa(2048).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    expect(() => readProviderPublicKey(small)).toThrow(/2048 bits, at least 3072/)
  })

  it('refuses keys that are not RSA public keys, and text that is no key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    expect(() => readProviderPublicKey(ec.toString())).toThrow(/ec, not RSA/)
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 3072 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    expect(() => readProviderPublicKey(pss.toString())).toThrow(/rsa-pss, not RSA/)
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    expect(() => readProviderPublicKey(pkcs8)).toThrow(/private key/)
    expect(() => readProviderPublicKey('')).toThrow(/no public key/)
    expect(() => readProviderPublicKey('not a key: at all!')).toThrow(/neither PEM nor base64/)
    expect(() => readProviderPublicKey('QUJDRA==')).toThrow(/not an SPKI or PKCS#1/)
    expect(() => readProviderPublicKey(`${spkiPem}${spkiPem}`)).toThrow(/one "PUBLIC KEY"/)
    expect(() => readProviderPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toThrow(
      /does not parse/,
    )
    expect(() => readProviderPublicKey('A'.repeat(20_000))).toThrow(/too long/)
  })
})

const key = readProviderPublicKey(bare)

describe('encrypting a client secret', () => {
  it('gives 512 base64 characters for a 3072-bit key, fresh each time, in every profile', () => {
    for (const profile of OAEP_PROFILES) {
      const a = encryptClientSecret(key, 'client-secret-1', profile)
      expect(a).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
      expect(a).toHaveLength(512)
      expect(encryptClientSecret(key, 'client-secret-1', profile)).not.toBe(a)
    }
    expect(DEFAULT_OAEP_PROFILE).toBe('sha256-mgf1sha1')
  })

  it('decrypts with OpenSSL in the profiles it has a switch for', () => {
    for (const oaepHash of ['sha1', 'sha256'] as const) {
      const ciphertext = Buffer.from(encryptClientSecret(key, 'sésame-ouvre-toi', oaepHash), 'base64')
      const plain = privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        ciphertext,
      )
      expect(plain.toString('utf8')).toBe('sésame-ouvre-toi')
    }
  })

  it('refuses a secret too long for the key and an empty one', () => {
    expect(() => encryptClientSecret(key, 'x'.repeat(319))).toThrow(/319 bytes, at most 318/)
    expect(encryptClientSecret(key, 'x'.repeat(318))).toHaveLength(512)
    expect(() => encryptClientSecret(key, 'x'.repeat(343), 'sha1')).toThrow(/at most 342/)
    expect(() => encryptClientSecret(key, '')).toThrow(/no client secret/)
  })
})

/**
 * The provider's side, written in Java with the JDK's own OAEP (test/support/OaepDecrypt.java).
 * Java 17 is on every machine that runs these tests: a missing `java` fails here, it never skips.
 */
describe('a Java provider decrypts the client secret', () => {
  const javaDecrypt = (lines: [OaepProfile, string][]): string[] => {
    const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')
    let out: string
    try {
      out = execFileSync('java', [join(__dirname, '../support/OaepDecrypt.java'), der], {
        input: lines.map(([profile, ct]) => `${profile} ${ct}\n`).join(''),
        encoding: 'utf8',
        timeout: 50_000,
      })
    } catch (err) {
      throw new Error(
        `this test needs Java 17+ as \`java\` on PATH (source-file mode): ${(err as Error).message}`,
      )
    }
    return out.trim().split('\n')
  }

  it('with the transformation string of each profile, and only that one', () => {
    const secret = 'Zq3-客户端密钥-9f'
    const ok = `ok ${Buffer.from(secret, 'utf8').toString('base64')}`
    const cts = Object.fromEntries(
      OAEP_PROFILES.map((p) => [p, encryptClientSecret(key, secret, p)]),
    ) as Record<OaepProfile, string>
    const results = javaDecrypt([
      // each profile as Java reads it
      ['sha256-mgf1sha1', cts['sha256-mgf1sha1']],
      ['sha1', cts.sha1],
      ['sha256', cts.sha256],
      // the default profile's ciphertext under the other two: they are not interchangeable
      ['sha256', cts['sha256-mgf1sha1']],
      ['sha1', cts['sha256-mgf1sha1']],
      // nor is OpenSSL's SHA-256 (MGF1-SHA-256) under Java's bare SHA-256 string
      ['sha256-mgf1sha1', cts.sha256],
    ])
    expect(results).toEqual([
      ok,
      ok,
      ok,
      'fail BadPaddingException',
      'fail BadPaddingException',
      'fail BadPaddingException',
    ])
  })
})
