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

export const SIGNING_ALG = 'ES256'
const PARTITION = 'PLATFORM#SIGNING'

/** One signing key pair; the private half encrypted under the platform data key. */
const SigningKeyEntity = new Entity({
  name: 'SigningKey',
  table,
  timestamps: false,
  schema: item({
    kid: string().key(),
    publicJwk: string(),
    privateJwkEnc: string(),
    createdAtMs: number(),
    /** once set, the key no longer signs and leaves the JWKS at this time */
    retiresAtMs: number().optional(),
    expiresAtEpoch: number().optional(),
  }),
  computeKey: ({ kid }: { kid: string }) => ({ PK: PARTITION, SK: `KEY#${kid}` }),
})

/** Which key signs now; rotation swaps it with a condition on the previous kid. */
const CurrentKeyEntity = new Entity({
  name: 'CurrentSigningKey',
  table,
  timestamps: false,
  schema: item({ kid: string(), rotatesAtMs: number() }),
  computeKey: () => ({ PK: PARTITION, SK: 'CURRENT' }),
})

export interface SigningKey {
  kid: string
  privateKey: JoseKey
  rotatesAtMs: number
}

const signing = containerState((): { key?: SigningKey } => ({}))

const createKey = async () => {
  const kid = newId()
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' }
  const privateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG })
  const cipher = await platformCipher()
  return {
    kid,
    privateKey,
    record: {
      kid,
      publicJwk: JSON.stringify(publicJwk),
      privateJwkEnc: cipher.encrypt(privateJwk, `signing-key:${kid}`),
      createdAtMs: nowMs(),
    },
  }
}

const loadPrivate = async (kid: string): Promise<JoseKey> => {
  const { Item } = await SigningKeyEntity.build(GetItemCommand)
    .key({ kid })
    .options({ consistent: true })
    .send()
  if (!Item) throw new Error('current signing key record missing')
  const cipher = await platformCipher()
  const jwk = JSON.parse(cipher.decrypt(Item.privateJwkEnc, `signing-key:${kid}`)) as JWK
  return (await importJWK(jwk, SIGNING_ALG)) as JoseKey
}

const rotationMs = () => config().SIGNING_KEY_ROTATION_DAYS * 86_400_000

const isConditionFailure = (err: unknown) =>
  (err as Error).name === 'TransactionCanceledException' ||
  (err as Error).name === 'ConditionalCheckFailedException'

/**
 * The key to sign with. Created on first use and rotated lazily when due: the swap is a
 * transaction conditioned on the old kid, so concurrent containers agree on one new key.
 * The previous key stays in the JWKS until every token it signed has expired.
 */
export const currentSigningKey = async (): Promise<SigningKey> => {
  const state = signing.current()
  if (state.key && nowMs() < state.key.rotatesAtMs) return state.key
  const { Item: pointer } = await CurrentKeyEntity.build(GetItemCommand)
    .key({})
    .options({ consistent: true })
    .send()
  if (pointer && nowMs() < pointer.rotatesAtMs) {
    state.key = {
      kid: pointer.kid,
      privateKey: await loadPrivate(pointer.kid),
      rotatesAtMs: pointer.rotatesAtMs,
    }
    return state.key
  }
  const fresh = await createKey()
  const rotatesAtMs = nowMs() + rotationMs()
  const retiresAtMs = nowMs() + (config().ACCESS_TOKEN_TTL_SECONDS + 300) * 1000
  try {
    await executeTransactWrite(
      SigningKeyEntity.build(PutTransaction).item(fresh.record),
      pointer
        ? CurrentKeyEntity.build(PutTransaction)
            .item({ kid: fresh.kid, rotatesAtMs })
            .options({ condition: { attr: 'kid', eq: pointer.kid } })
        : CurrentKeyEntity.build(PutTransaction)
            .item({ kid: fresh.kid, rotatesAtMs })
            .options({ condition: { attr: 'kid', exists: false } }),
      ...(pointer
        ? [
            SigningKeyEntity.build(UpdateTransaction).item({
              kid: pointer.kid,
              retiresAtMs,
              expiresAtEpoch: Math.floor(retiresAtMs / 1000) + 86_400,
            }),
          ]
        : []),
    )
    state.key = { kid: fresh.kid, privateKey: fresh.privateKey, rotatesAtMs }
    return state.key
  } catch (err) {
    if (!isConditionFailure(err)) throw err
    state.key = undefined
    const { Item: winner } = await CurrentKeyEntity.build(GetItemCommand)
      .key({})
      .options({ consistent: true })
      .send()
    if (!winner) throw err
    state.key = {
      kid: winner.kid,
      privateKey: await loadPrivate(winner.kid),
      rotatesAtMs: winner.rotatesAtMs,
    }
    return state.key
  }
}

/** Whether this container signs with `kid` now (a token it issued is never refused for an unknown key). */
export const signsWith = (kid: string | undefined): boolean =>
  kid !== undefined && signing.current().key?.kid === kid

/** The public keys that verify tokens now: the current key and any not yet retired. */
export type PublicJwk = JWK & { kty: string; kid: string; alg: string }

export const publicJwks = async (): Promise<{ keys: PublicJwk[] }> => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(SigningKeyEntity)
    .query({ partition: PARTITION, range: { beginsWith: 'KEY#' } })
    .options({ consistent: true })
    .send()
  const nowSec = nowEpochSeconds()
  const keys = Items.filter((k) => k.retiresAtMs === undefined || k.retiresAtMs / 1000 > nowSec).map(
    (k) => JSON.parse(k.publicJwk) as PublicJwk,
  )
  return { keys }
}

export const forgetSigningKey = (): void => {
  for (const state of signing.all()) state.key = undefined
}
