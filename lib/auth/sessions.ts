import { timingSafeEqual } from 'node:crypto'
import {
  BatchGetRequest,
  boolean,
  Entity,
  GetItemCommand,
  item,
  number,
  PutTransaction,
  QueryCommand,
  string,
  UpdateItemCommand,
} from 'dynamodb-toolbox'
import { nowEpochSeconds, nowIso, nowMs } from '../core/clock.js'
import { config } from '../core/config.js'
import { platformCipher } from '../core/crypto/data-keys.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError } from '../core/errors.js'
import { newId, randomToken, secretDigest } from '../core/ids.js'
import { type Realm, realmPartition } from '../identity/entities.js'

/** How long the same client may present the refresh token it just rotated (a retried request). */
export const REFRESH_GRACE_MS = 30_000

/**
 * A refresh-token family: one login's chain of rotated refresh tokens, kept in the realm's
 * partition (a tenant's sessions go with the tenant). Only hashes are stored; the token just
 * handed out is also kept encrypted for the grace period, so the same client's duplicate request
 * gets it again instead of being taken for a thief.
 */
const RefreshFamilyEntity = new Entity({
  name: 'RefreshFamily',
  table,
  timestamps: false,
  schema: item({
    realm: string().enum('platform', 'industry', 'tenant').key(),
    ctx: string().key(),
    familyId: string().key(),
    accountId: string(),
    /** the account's session epoch at login: a password change or reset ends the family */
    accountEpoch: number(),
    currentHash: string(),
    previousHash: string().optional(),
    rotatedAtMs: number().optional(),
    /** who rotated last (a hash of address and user agent): only they get the grace */
    rotatedBy: string().optional(),
    currentTokenEnc: string().optional(),
    revoked: boolean(),
    createdAt: string(),
    expiresAtEpoch: number(),
    GSI1PK: string(),
    GSI1SK: string(),
  }),
  computeKey: ({ realm, ctx, familyId }: { realm: Realm; ctx: string; familyId: string }) => ({
    PK: realmPartition(realm, ctx),
    SK: `RTF#${familyId}`,
  }),
})

export type Session = { familyId: string; accountId: string; accountEpoch: number; realm: Realm; ctx: string }
export type SessionKey = { realm: Realm; ctx: string; familyId: string }
export interface ClientInfo {
  ip: string
  userAgent: string
}

const fingerprint = (client: ClientInfo) => secretDigest(`${client.ip}\n${client.userAgent}`)

/** `rt2.<realm>.<familyId>.<secret>`: the realm (`p`, `i-<code>`, `t-<id>`) locates the family. */
const format = (key: SessionKey, secret: string) => {
  const realm = key.realm === 'platform' ? 'p' : `${key.realm === 'industry' ? 'i' : 't'}-${key.ctx}`
  return `rt2.${realm}.${key.familyId}.${secret}`
}

const parse = (token: string): (SessionKey & { secret: string }) | undefined => {
  const [version, realm = '', familyId, secret] = token.split('.')
  if (version !== 'rt2' || !familyId || !secret) return undefined
  if (realm === 'p') return { realm: 'platform', ctx: '', familyId, secret }
  const m = /^([it])-([0-9a-z-]{1,64})$/.exec(realm)
  if (!m) return undefined
  return { realm: m[1] === 'i' ? 'industry' : 'tenant', ctx: m[2] as string, familyId, secret }
}

const invalid = () => new AppError('REFRESH_TOKEN_INVALID', 'refresh token is invalid, expired or revoked')

const sameHash = (a: string, b: string | undefined) =>
  b !== undefined && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

const tokenAad = (key: SessionKey) => `refresh:${key.realm}:${key.ctx}:${key.familyId}`

/**
 * A new family and its first token; the write joins the login's transaction. A family started from
 * something that can end on its own (a browser's sign-in) takes an id under that thing's prefix,
 * so ending it finds the family, and does not outlive it.
 */
export const startSession = (
  account: { accountId: string; sessionEpoch: number },
  realm: Realm,
  ctx: string,
  within: { prefix: string; expiresAtEpoch: number } | undefined = undefined,
) => {
  const key: SessionKey = { realm, ctx, familyId: `${within?.prefix ?? ''}${newId()}` }
  const secret = randomToken()
  return {
    familyId: key.familyId,
    refreshToken: format(key, secret),
    write: RefreshFamilyEntity.build(PutTransaction).item({
      ...key,
      accountId: account.accountId,
      accountEpoch: account.sessionEpoch,
      currentHash: secretDigest(secret),
      revoked: false,
      createdAt: nowIso(),
      expiresAtEpoch: Math.min(
        nowEpochSeconds() + config().REFRESH_TOKEN_TTL_DAYS * 86_400,
        within?.expiresAtEpoch ?? Number.POSITIVE_INFINITY,
      ),
      GSI1PK: `ACCT#${account.accountId}`,
      GSI1SK: `RTF#${key.familyId}`,
    }),
  }
}

/** Ends a family (logout, reuse); with an account id, only that account's own. */
export const revokeFamily = async (key: SessionKey, accountId?: string) => {
  try {
    await RefreshFamilyEntity.build(UpdateItemCommand)
      .item({ ...key, revoked: true })
      .options({
        condition: accountId ? { attr: 'accountId', eq: accountId } : { attr: 'familyId', exists: true },
      })
      .send()
  } catch (err) {
    if (!isConditionFailure(err)) throw err
  }
}

/** Ends every family of a realm whose id starts with `prefix` (what they were started within ended). */
export const revokeFamiliesUnder = async (realm: Realm, ctx: string, prefix: string) => {
  let start: Record<string, unknown> | undefined
  do {
    const { Items = [], LastEvaluatedKey } = await table
      .build(QueryCommand)
      .entities(RefreshFamilyEntity)
      .query({ partition: realmPartition(realm, ctx), range: { beginsWith: `RTF#${prefix}` } })
      .options({ consistent: true, exclusiveStartKey: start as never })
      .send()
    await Promise.all(
      Items.filter((f) => !f.revoked).map((f) => revokeFamily({ realm, ctx, familyId: f.familyId })),
    )
    start = LastEvaluatedKey
  } while (start)
}

/** The family's read for a batch (the live session check). */
export const sessionRequest = (key: SessionKey) => RefreshFamilyEntity.build(BatchGetRequest).key(key)

const getFamily = async (key: SessionKey) =>
  (await RefreshFamilyEntity.build(GetItemCommand).key(key).options({ consistent: true }).send()).Item

type Family = NonNullable<Awaited<ReturnType<typeof getFamily>>>

const sessionOf = (family: Family, refreshToken: string) => ({
  familyId: family.familyId,
  accountId: family.accountId,
  accountEpoch: family.accountEpoch,
  realm: family.realm,
  ctx: family.ctx,
  refreshToken,
})

/** The same client retrying the token it just rotated, inside the grace: it gets the new token again. */
const graceReplay = async (family: Family, presented: string, client: ClientInfo) => {
  const withinGrace = family.rotatedAtMs !== undefined && nowMs() - family.rotatedAtMs <= REFRESH_GRACE_MS
  if (!withinGrace || !sameHash(presented, family.previousHash) || family.rotatedBy !== fingerprint(client))
    return undefined
  if (!family.currentTokenEnc) return undefined
  const token = (await platformCipher()).decrypt(family.currentTokenEnc, tokenAad(family))
  return sessionOf(family, token)
}

/**
 * Rotates a refresh token: the stored hash is swapped under a condition on the presented one, so of
 * two concurrent uses only one rotates. The loser, when it is the same client within the grace,
 * gets the winner's new token; any other stale or replayed token means it leaked, and the family ends.
 */
export const rotateSession = async (refreshToken: string, client: ClientInfo) => {
  const key = parse(refreshToken)
  if (!key) throw invalid()
  const family = await getFamily(key)
  if (!family || family.revoked || family.expiresAtEpoch <= nowEpochSeconds()) throw invalid()
  const presented = secretDigest(key.secret)
  if (!sameHash(presented, family.currentHash)) {
    const replay = await graceReplay(family, presented, client)
    if (replay) return replay
    await revokeFamily(key)
    throw invalid()
  }
  const next = format(key, randomToken())
  try {
    await RefreshFamilyEntity.build(UpdateItemCommand)
      .item({
        ...key,
        currentHash: secretDigest(next.split('.')[3] as string),
        previousHash: family.currentHash,
        rotatedAtMs: nowMs(),
        rotatedBy: fingerprint(client),
        currentTokenEnc: (await platformCipher()).encrypt(next, tokenAad(key)),
      })
      .options({
        condition: {
          and: [
            { attr: 'currentHash', eq: family.currentHash },
            { attr: 'revoked', eq: false },
          ],
        },
      })
      .send()
  } catch (err) {
    if (!isConditionFailure(err)) throw err
    // Another request rotated first: the same client's twin gets its token, anyone else ends the family.
    const now = await getFamily(key)
    const replay = now && !now.revoked ? await graceReplay(now, presented, client) : undefined
    if (replay) return replay
    await revokeFamily(key)
    throw invalid()
  }
  return sessionOf(family, next)
}
