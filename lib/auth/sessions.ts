import { createHash, timingSafeEqual } from 'node:crypto'
import {
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
import { nowEpochSeconds, nowIso } from '../core/clock.js'
import { config } from '../core/config.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError } from '../core/errors.js'
import { newId, randomToken } from '../core/ids.js'
import type { Realm } from '../identity/entities.js'

/**
 * A refresh-token family: one login's chain of rotated refresh tokens. Only the hash of the
 * latest token is stored; presenting an older one means it leaked, and revokes the family.
 */
const RefreshFamilyEntity = new Entity({
  name: 'RefreshFamily',
  table,
  timestamps: false,
  schema: item({
    familyId: string().key(),
    accountId: string(),
    realm: string().enum('platform', 'industry', 'tenant'),
    ctx: string(),
    currentHash: string(),
    revoked: boolean(),
    createdAt: string(),
    expiresAtEpoch: number(),
    GSI1PK: string(),
    GSI1SK: string(),
  }),
  computeKey: ({ familyId }: { familyId: string }) => ({ PK: `RTF#${familyId}`, SK: 'RTF' }),
})

export type Session = { familyId: string; accountId: string; realm: Realm; ctx: string }

const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url')
const format = (familyId: string, secret: string) => `rt1.${familyId}.${secret}`

const invalid = () => new AppError('REFRESH_TOKEN_INVALID', 'refresh token is invalid, expired or revoked')

/** A new family and its first token; the write joins the login's transaction. */
export const startSession = (accountId: string, realm: Realm, ctx: string) => {
  const familyId = newId()
  const secret = randomToken()
  return {
    familyId,
    refreshToken: format(familyId, secret),
    write: RefreshFamilyEntity.build(PutTransaction).item({
      familyId,
      accountId,
      realm,
      ctx,
      currentHash: hash(secret),
      revoked: false,
      createdAt: nowIso(),
      expiresAtEpoch: nowEpochSeconds() + config().REFRESH_TOKEN_TTL_DAYS * 86_400,
      GSI1PK: `ACCT#${accountId}`,
      GSI1SK: `RTF#${familyId}`,
    }),
  }
}

export const revokeFamily = async (familyId: string, accountId?: string) => {
  try {
    await RefreshFamilyEntity.build(UpdateItemCommand)
      .item({ familyId, revoked: true })
      .options({
        condition: accountId ? { attr: 'accountId', eq: accountId } : { attr: 'familyId', exists: true },
      })
      .send()
  } catch (err) {
    if (!isConditionFailure(err)) throw err
  }
}

/** Password change or disabling: every session of the account ends. */
export const revokeAllSessions = async (accountId: string) => {
  let cursor: Record<string, unknown> | undefined
  do {
    const { Items = [], LastEvaluatedKey } = await table
      .build(QueryCommand)
      .entities(RefreshFamilyEntity)
      .query({ index: 'GSI1', partition: `ACCT#${accountId}`, range: { beginsWith: 'RTF#' } })
      .options({ exclusiveStartKey: cursor as never })
      .send()
    await Promise.all(Items.filter((f) => !f.revoked).map((f) => revokeFamily(f.familyId)))
    cursor = LastEvaluatedKey
  } while (cursor)
}

/**
 * Rotates a refresh token: the stored hash is swapped under a condition on the presented one,
 * so of two concurrent uses only one wins; a stale or replayed token revokes the family.
 */
export const rotateSession = async (refreshToken: string): Promise<Session & { refreshToken: string }> => {
  const [version, familyId, secret] = refreshToken.split('.')
  if (version !== 'rt1' || !familyId || !secret) throw invalid()
  const { Item: family } = await RefreshFamilyEntity.build(GetItemCommand)
    .key({ familyId })
    .options({ consistent: true })
    .send()
  if (!family || family.revoked || family.expiresAtEpoch <= nowEpochSeconds()) throw invalid()
  const presented = Buffer.from(hash(secret))
  const current = Buffer.from(family.currentHash)
  if (presented.length !== current.length || !timingSafeEqual(presented, current)) {
    await revokeFamily(familyId)
    throw invalid()
  }
  const nextSecret = randomToken()
  try {
    await RefreshFamilyEntity.build(UpdateItemCommand)
      .item({ familyId, currentHash: hash(nextSecret) })
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
    await revokeFamily(familyId)
    throw invalid()
  }
  return {
    familyId,
    accountId: family.accountId,
    realm: family.realm,
    ctx: family.ctx,
    refreshToken: format(familyId, nextSecret),
  }
}
