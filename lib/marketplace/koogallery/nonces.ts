import { Entity, item, number, PutItemCommand, string } from 'dynamodb-toolbox'
import { nowEpochSeconds } from '../../core/clock.js'
import { isConditionFailure } from '../../core/db/conditions.js'
import { table } from '../../core/db/table.js'

/**
 * The nonces of accepted V2 calls, each kept past the freshness window on both sides of its
 * timestamp: a replayed call is refused by the database's condition, whichever container gets it.
 */
const NonceEntity = new Entity({
  name: 'KooGalleryNonce',
  table,
  timestamps: false,
  schema: item({
    nonce: string().key(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ nonce }: { nonce: string }) => ({ PK: `KGNONCE#${nonce}`, SK: 'NONCE' }),
})

/** Records the nonce; false when it was seen within `keepSeconds` (TTL deletes lazily: expiry is checked too). */
export const firstUseOfNonce = async (nonce: string, keepSeconds: number): Promise<boolean> => {
  const now = nowEpochSeconds()
  try {
    await NonceEntity.build(PutItemCommand)
      .item({ nonce, expiresAtEpoch: now + keepSeconds })
      .options({
        condition: {
          or: [
            { attr: 'nonce', exists: false },
            { attr: 'expiresAtEpoch', lt: now },
          ],
        },
      })
      .send()
    return true
  } catch (err) {
    if (isConditionFailure(err)) return false
    throw err
  }
}
