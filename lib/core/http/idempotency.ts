import { createHash } from 'node:crypto'
import {
  DeleteItemCommand,
  Entity,
  GetItemCommand,
  item,
  number,
  PutItemCommand,
  string,
  UpdateItemCommand,
} from 'dynamodb-toolbox'
import type { Caller } from '../auth/caller.js'
import { nowEpochSeconds } from '../clock.js'
import { platformCipher } from '../crypto/data-keys.js'
import { isConditionFailure } from '../db/conditions.js'
import { tenantPartition } from '../db/keys.js'
import { table } from '../db/table.js'
import { AppError } from '../errors.js'

const TTL_SECONDS = 24 * 3600

/**
 * A retried write with the same Idempotency-Key gets the first answer again instead of a second
 * effect. The record is claimed with a condition (so concurrent retries cannot both run), keyed by
 * where the caller acts (a tenant's records live in its partition and go with it), who the caller
 * is and the operation; the stored answer is encrypted (it may hold a one-time password).
 */
const IdempotencyEntity = new Entity({
  name: 'Idempotency',
  table,
  timestamps: false,
  schema: item({
    partition: string().key(),
    scope: string().key(),
    requestHash: string(),
    state: string().enum('pending', 'done'),
    status: number().optional(),
    responseEnc: string().optional(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ partition, scope }: { partition: string; scope: string }) => ({
    PK: partition,
    SK: `IDEM#${scope}`,
  }),
})

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,128}$/

export interface IdempotencyScope {
  partition: string
  scope: string
}

/** Where a key is remembered: the caller's tenant (or realm), the caller and the operation. */
export const idempotencyScope = (
  caller: Caller | undefined,
  operationId: string,
  key: string,
): IdempotencyScope => {
  const partition =
    caller?.realm === 'tenant'
      ? tenantPartition(caller.tenant.tenantId)
      : caller?.realm === 'industry'
        ? `IDEM#industry#${caller.industry}`
        : caller?.realm === 'platform'
          ? 'IDEM#platform'
          : 'IDEM#public'
  return { partition, scope: `${caller?.accountId ?? 'public'}#${operationId}#${key}` }
}

export interface Replay {
  status: number
  body: string
}

const aad = (s: IdempotencyScope) => `idempotency:${s.partition}:${s.scope}`

/** Claims the key, or returns the stored answer of the first request with it. */
export const claim = async (s: IdempotencyScope, request: string): Promise<Replay | undefined> => {
  const requestHash = createHash('sha256').update(request).digest('base64url')
  try {
    await IdempotencyEntity.build(PutItemCommand)
      .item({ ...s, requestHash, state: 'pending', expiresAtEpoch: nowEpochSeconds() + TTL_SECONDS })
      .options({ condition: { attr: 'scope', exists: false } })
      .send()
    return undefined
  } catch (err) {
    if (!isConditionFailure(err)) throw err
  }
  const { Item } = await IdempotencyEntity.build(GetItemCommand).key(s).options({ consistent: true }).send()
  if (!Item) throw new AppError('CONFLICT', 'a request with this Idempotency-Key is in progress; retry')
  if (Item.requestHash !== requestHash) {
    throw new AppError('VALIDATION_FAILED', 'this Idempotency-Key was used for another request', [
      { path: 'header.idempotency-key', message: 'already used for another request' },
    ])
  }
  if (Item.state !== 'done' || !Item.responseEnc) {
    throw new AppError('CONFLICT', 'a request with this Idempotency-Key is in progress; retry')
  }
  const body = (await platformCipher()).decrypt(Item.responseEnc, aad(s))
  return { status: Item.status ?? 200, body }
}

export const complete = async (s: IdempotencyScope, status: number, body: string): Promise<void> => {
  const responseEnc = (await platformCipher()).encrypt(body, aad(s))
  await IdempotencyEntity.build(UpdateItemCommand)
    .item({ ...s, state: 'done', status, responseEnc })
    .send()
}

/** A failed first attempt releases the key, so the client's retry runs for real. */
export const release = async (s: IdempotencyScope): Promise<void> => {
  await IdempotencyEntity.build(DeleteItemCommand).key(s).send()
}
