import {
  Entity,
  executeTransactWrite,
  GetItemCommand,
  item,
  number,
  PutTransaction,
  QueryCommand,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { exportJWK, generateKeyPair, importJWK, type CryptoKey as JoseKey, type JWK } from 'jose'
import { containerState } from '../aws-command-log.js'
import { nowEpochSeconds, nowMs } from '../clock.js'
import { config } from '../config.js'
import { platformCipher } from '../crypto/data-keys.js'
import { table } from '../db/table.js'
import { newId } from '../ids.js'

/**
 * A key ring: one signing key pair in use, created on first use and rotated lazily; the private
 * halves encrypted under the platform data key. The API's tokens and the SSO issuers each have one
 * (different algorithms: relying parties expect RS256 by default).
 */
export interface KeyRingOptions {
  /** the partition its keys live in */
  partition: string
  alg: 'ES256' | 'RS256'
  /** how long a key retired by rotation still verifies (the longest lifetime of what it signed) */
  retireAfterSeconds: () => number
}

/** One signing key pair; the private half encrypted under the platform data key. */
const SigningKeyEntity = new Entity({
  name: 'SigningKey',
  table,
  timestamps: false,
  schema: item({
    ring: string().key(),
    kid: string().key(),
    publicJwk: string(),
    privateJwkEnc: string(),
    createdAtMs: number(),
    /** once set, the key no longer signs and leaves the JWKS at this time */
    retiresAtMs: number().optional(),
    expiresAtEpoch: number().optional(),
  }),
  computeKey: ({ ring, kid }: { ring: string; kid: string }) => ({ PK: ring, SK: `KEY#${kid}` }),
})

/** Which key signs now; rotation swaps it with a condition on the previous kid. */
const CurrentKeyEntity = new Entity({
  name: 'CurrentSigningKey',
  table,
  timestamps: false,
  schema: item({ ring: string().key(), kid: string(), rotatesAtMs: number() }),
  computeKey: ({ ring }: { ring: string }) => ({ PK: ring, SK: 'CURRENT' }),
})

export interface SigningKey {
  kid: string
  privateKey: JoseKey
  privateJwk: JWK
  rotatesAtMs: number
}

/** The public keys that verify tokens now: the current key and any not yet retired. */
export type PublicJwk = JWK & { kty: string; kid: string; alg: string }

const rotationMs = () => config().SIGNING_KEY_ROTATION_DAYS * 86_400_000

const isConditionFailure = (err: unknown) =>
  (err as Error).name === 'TransactionCanceledException' ||
  (err as Error).name === 'ConditionalCheckFailedException'

const rings: Array<() => void> = []

export const keyRing = ({ partition: ring, alg, retireAfterSeconds }: KeyRingOptions) => {
  const signing = containerState((): { key?: SigningKey } => ({}))
  rings.push(() => {
    for (const state of signing.all()) state.key = undefined
  })

  const createKey = async () => {
    const kid = newId()
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' }
    const cipher = await platformCipher()
    return {
      key: { kid, privateKey, privateJwk },
      record: {
        ring,
        kid,
        publicJwk: JSON.stringify(publicJwk),
        privateJwkEnc: cipher.encrypt(JSON.stringify(privateJwk), `signing-key:${kid}`),
        createdAtMs: nowMs(),
      },
    }
  }

  const loadPrivate = async (kid: string) => {
    const { Item } = await SigningKeyEntity.build(GetItemCommand)
      .key({ ring, kid })
      .options({ consistent: true })
      .send()
    if (!Item) throw new Error('current signing key record missing')
    const cipher = await platformCipher()
    const privateJwk = JSON.parse(cipher.decrypt(Item.privateJwkEnc, `signing-key:${kid}`)) as JWK
    return { kid, privateJwk, privateKey: (await importJWK(privateJwk, alg)) as JoseKey }
  }

  const readPointer = async () =>
    (await CurrentKeyEntity.build(GetItemCommand).key({ ring }).options({ consistent: true }).send()).Item

  /**
   * The key to sign with. Created on first use and rotated lazily when due: the swap is a
   * transaction conditioned on the old kid, so concurrent containers agree on one new key.
   * The previous key stays in the JWKS until every token it signed has expired.
   */
  const current = async (): Promise<SigningKey> => {
    const state = signing.current()
    if (state.key && nowMs() < state.key.rotatesAtMs) return state.key
    const pointer = await readPointer()
    if (pointer && nowMs() < pointer.rotatesAtMs) {
      state.key = { ...(await loadPrivate(pointer.kid)), rotatesAtMs: pointer.rotatesAtMs }
      return state.key
    }
    const fresh = await createKey()
    const rotatesAtMs = nowMs() + rotationMs()
    const retiresAtMs = nowMs() + (retireAfterSeconds() + 300) * 1000
    try {
      await executeTransactWrite(
        SigningKeyEntity.build(PutTransaction).item(fresh.record),
        CurrentKeyEntity.build(PutTransaction)
          .item({ ring, kid: fresh.key.kid, rotatesAtMs })
          .options({
            condition: pointer ? { attr: 'kid', eq: pointer.kid } : { attr: 'kid', exists: false },
          }),
        ...(pointer
          ? [
              SigningKeyEntity.build(UpdateTransaction).item({
                ring,
                kid: pointer.kid,
                retiresAtMs,
                expiresAtEpoch: Math.floor(retiresAtMs / 1000) + 86_400,
              }),
            ]
          : []),
      )
      state.key = { ...fresh.key, rotatesAtMs }
      return state.key
    } catch (err) {
      if (!isConditionFailure(err)) throw err
      state.key = undefined
      const winner = await readPointer()
      if (!winner) throw err
      state.key = { ...(await loadPrivate(winner.kid)), rotatesAtMs: winner.rotatesAtMs }
      return state.key
    }
  }

  /** Whether this container signs with `kid` now (a token it issued is never refused for an unknown key). */
  const signsWith = (kid: string | undefined): boolean =>
    kid !== undefined && signing.current().key?.kid === kid

  /** The ring's keys that still verify: the current one and any not retired yet. */
  const liveKeys = async () => {
    const { Items = [] } = await table
      .build(QueryCommand)
      .entities(SigningKeyEntity)
      .query({ partition: ring, range: { beginsWith: 'KEY#' } })
      .options({ consistent: true })
      .send()
    const nowSec = nowEpochSeconds()
    return Items.filter((k) => k.retiresAtMs === undefined || k.retiresAtMs / 1000 > nowSec)
  }

  const publicJwks = async (): Promise<{ keys: PublicJwk[] }> => ({
    keys: (await liveKeys()).map((k) => JSON.parse(k.publicJwk) as PublicJwk),
  })

  /**
   * The private keys for a signer that publishes its own JWKS (the SSO issuers): the current key
   * first (it signs), then those not retired yet (what they signed still verifies).
   */
  const privateJwks = async (): Promise<JWK[]> => {
    const now = await current()
    const cipher = await platformCipher()
    const previous = (await liveKeys())
      .filter((k) => k.kid !== now.kid)
      .map((k) => JSON.parse(cipher.decrypt(k.privateJwkEnc, `signing-key:${k.kid}`)) as JWK)
    return [now.privateJwk, ...previous]
  }

  return { alg, current, signsWith, publicJwks, privateJwks }
}

export const SIGNING_ALG = 'ES256'

/** The API's own tokens. */
const apiKeys = keyRing({
  partition: 'PLATFORM#SIGNING',
  alg: SIGNING_ALG,
  retireAfterSeconds: () => config().ACCESS_TOKEN_TTL_SECONDS,
})
export const currentSigningKey = apiKeys.current
export const signsWith = apiKeys.signsWith
export const publicJwks = apiKeys.publicJwks

export const forgetSigningKey = (): void => {
  for (const forget of rings) forget()
}
