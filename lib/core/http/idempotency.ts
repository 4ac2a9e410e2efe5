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
import { nowEpochSeconds } from '../clock.js'
import { platformCipher } from '../crypto/data-keys.js'
import { isConditionFailure } from '../db/conditions.js'
import { table } from '../db/table.js'
import { AppError } from '../errors.js'

const TTL_SECONDS = 24 * 3600

/**
 * A retried write with the same Idempotency-Key gets the first answer again instead of a second
 * effect. The record is claimed with a condition (so concurrent retries cannot both run), keyed
 * by caller and operation, and the stored answer is encrypted (it may hold a one-time password).
 */
const IdempotencyEntity = new Entity({
  name: 'Idempotency',
  table,
  timestamps: false,
  schema: item({
    scope: string().key(),
    requestHash: string(),
    state: string().enum('pending', 'done'),
    status: number().optional(),
    responseEnc: string().optional(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ scope }: { scope: string }) => ({ PK: `IDEM#${scope}`, SK: 'IDEM' }),
})

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,128}$/

export interface Replay {
  status: number
  body: string
}

/** Claims the key, or returns the stored answer of the first request with it. */
export const claim = async (scope: string, request: string): Promise<Replay | undefined> => {
  const requestHash = createHash('sha256').update(request).digest('base64url')
  try {
    await IdempotencyEntity.build(PutItemCommand)
      .item({ scope, requestHash, state: 'pending', expiresAtEpoch: nowEpochSeconds() + TTL_SECONDS })
      .options({ condition: { attr: 'scope', exists: false } })
      .send()
    return undefined
  } catch (err) {
    if (!isConditionFailure(err)) throw err
  }
  const { Item } = await IdempotencyEntity.build(GetItemCommand)
    .key({ scope })
    .options({ consistent: true })
    .send()
  if (!Item) throw new AppError('CONFLICT', 'a request with this Idempotency-Key is in progress; retry')
  if (Item.requestHash !== requestHash) {
    throw new AppError('VALIDATION_FAILED', 'this Idempotency-Key was used for another request', [
      { path: 'header.idempotency-key', message: 'already used for another request' },
    ])
  }
  if (Item.state !== 'done' || !Item.responseEnc) {
    throw new AppError('CONFLICT', 'a request with this Idempotency-Key is in progress; retry')
  }
  const body = (await platformCipher()).decrypt(Item.responseEnc, `idempotency:${scope}`)
  return { status: Item.status ?? 200, body }
}

export const complete = async (scope: string, status: number, body: string): Promise<void> => {
  const responseEnc = (await platformCipher()).encrypt(body, `idempotency:${scope}`)
  await IdempotencyEntity.build(UpdateItemCommand).item({ scope, state: 'done', status, responseEnc }).send()
}

/** A failed first attempt releases the key, so the client's retry runs for real. */
export const release = async (scope: string): Promise<void> => {
  await IdempotencyEntity.build(DeleteItemCommand).key({ scope }).send()
}
