import { randomInt, timingSafeEqual } from 'node:crypto'
import {
  $add,
  DeleteTransaction,
  Entity,
  item,
  number,
  PutItemCommand,
  string,
  UpdateItemCommand,
} from 'dynamodb-toolbox'
import { nowEpochSeconds, nowMs } from '../core/clock.js'
import { config } from '../core/config.js'
import { platformCipher } from '../core/crypto/data-keys.js'
import { isConditionFailure, type WriteItem } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError } from '../core/errors.js'
import { normaliseIdentifier, platformPhoneRegion } from '../core/identifiers.js'
import { send } from '../notify/outbox.js'
import { findAccountByIdentifier, identifierIndex } from './accounts.js'
import { admitCodeRequest } from './throttle.js'

/**
 * Proof that a person controls an e-mail address or mobile number: a six-digit code sent to it.
 * An identifier becomes a login, or a one-time password becomes the person's own, only with one.
 * Codes are kept as keyed hashes for ten minutes; each guess is counted before it is compared, so
 * at most five guesses are ever checked; a code is used once, in the transaction of its effect.
 */
export const PURPOSES = ['signup', 'activate', 'reset'] as const
export type Purpose = (typeof PURPOSES)[number]

const WHAT: Record<Purpose, string> = {
  signup: 'create your login',
  activate: 'activate your login',
  reset: 'reset your password',
}
const CODE_MINUTES = 10
const MAX_GUESSES = 5
const RESEND_AFTER_MS = 60_000
const SENDS_PER_HOUR = 5

const ProofEntity = new Entity({
  name: 'IdentifierProof',
  table,
  timestamps: false,
  schema: item({
    blindIndex: string().key(),
    purpose: string().key(),
    codeHash: string(),
    guesses: number(),
    expiresAtMs: number(),
    sentAtMs: number(),
    /** sends in the current hour: a person (or a script) cannot flood an address */
    hour: number(),
    sends: number(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ blindIndex, purpose }: { blindIndex: string; purpose: string }) => ({
    PK: `PROOF#${blindIndex}`,
    SK: purpose,
  }),
})

const codeHash = async (blindIndex: string, purpose: Purpose, code: string) =>
  (await platformCipher()).blindIndex(`proof-${purpose}`, `${blindIndex}:${code}`)

/** A login identifier under the platform's own domain is issued by us (a marketplace admin): no mailbox to prove. */
export const isPlatformIssued = (identifier: string): boolean => {
  const { kind, value } = normaliseIdentifier(identifier, platformPhoneRegion())
  if (kind !== 'email') return false
  const domain = value.slice(value.lastIndexOf('@') + 1)
  const platform = config().PLATFORM_DOMAIN.toLowerCase()
  return domain === platform || domain.endsWith(`.${platform}`)
}

const tooSoon = () =>
  new AppError('TOO_MANY_REQUESTS', 'a code was sent a moment ago; wait a minute before asking again', {
    retryAfterSeconds: Math.ceil(RESEND_AFTER_MS / 1000),
  })

/**
 * Sends a code for a purpose, or what the person should know instead (an address that already has
 * a login is told so rather than sent a sign-up code). The caller's answer is the same whichever
 * happened, so this tells nobody whether a login exists.
 */
export const requestCode = async (identifier: string, purpose: Purpose, ip: string): Promise<void> => {
  await admitCodeRequest(ip)
  if (isPlatformIssued(identifier)) return
  const [blindIndex, account] = await Promise.all([
    identifierIndex(identifier),
    findAccountByIdentifier(identifier),
  ])
  if (purpose === 'signup' && account) {
    await send(identifier, { template: 'already-registered' })
    return
  }
  if (purpose !== 'signup' && !account) return
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
  const hour = Math.floor(nowMs() / 3_600_000)
  // A new code replaces the last one (and its guesses).
  const fresh = {
    blindIndex,
    purpose,
    codeHash: await codeHash(blindIndex, purpose, code),
    guesses: 0,
    expiresAtMs: nowMs() + CODE_MINUTES * 60_000,
    sentAtMs: nowMs(),
  }
  try {
    await ProofEntity.build(PutItemCommand)
      .item({ ...fresh, hour, sends: 1, expiresAtEpoch: nowEpochSeconds() + 2 * 3600 })
      .options({
        condition: {
          or: [
            { attr: 'sentAtMs', exists: false },
            {
              and: [
                { attr: 'sentAtMs', lt: nowMs() - RESEND_AFTER_MS },
                { attr: 'hour', lt: hour },
              ],
            },
          ],
        },
      })
      .send()
  } catch (err) {
    if (!isConditionFailure(err)) throw err
    // Within the hour: a resend counts, up to the hourly limit, never more than once a minute.
    try {
      await ProofEntity.build(UpdateItemCommand)
        .item({ ...fresh, sends: $add(1) })
        .options({
          condition: {
            and: [
              { attr: 'sentAtMs', lt: nowMs() - RESEND_AFTER_MS },
              { attr: 'hour', eq: hour },
              { attr: 'sends', lt: SENDS_PER_HOUR },
            ],
          },
        })
        .send()
    } catch (again) {
      if (isConditionFailure(again)) throw tooSoon()
      throw again
    }
  }
  await send(identifier, {
    template: 'verification-code',
    code,
    purpose: WHAT[purpose],
    minutes: CODE_MINUTES,
  })
}

const wrongCode = (field: string) =>
  new AppError('VALIDATION_FAILED', 'the code is wrong or has expired: ask for a new one', [
    { path: field, message: 'wrong or expired code' },
  ])

/**
 * Checks a code and returns the write that uses it up, for the transaction of what it proves (so a
 * code serves once). The guess is counted first: five guesses per code, however many arrive at once.
 */
export const proofWrite = async (
  identifier: string,
  purpose: Purpose,
  code: string,
  field = 'body.code',
): Promise<WriteItem> => {
  const blindIndex = await identifierIndex(identifier)
  let counted: { codeHash?: string; guesses?: number } | undefined
  try {
    counted = (
      await ProofEntity.build(UpdateItemCommand)
        .item({ blindIndex, purpose, guesses: $add(1) })
        .options({
          returnValues: 'ALL_NEW',
          condition: {
            and: [
              { attr: 'guesses', lt: MAX_GUESSES },
              { attr: 'expiresAtMs', gt: nowMs() },
            ],
          },
        })
        .send()
    ).Attributes
  } catch (err) {
    if (isConditionFailure(err)) throw wrongCode(field)
    throw err
  }
  const expected = Buffer.from(counted?.codeHash ?? '')
  const given = Buffer.from(await codeHash(blindIndex, purpose, code))
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw wrongCode(field)
  return ProofEntity.build(DeleteTransaction)
    .key({ blindIndex, purpose })
    .options({
      condition: {
        and: [
          { attr: 'codeHash', eq: counted?.codeHash as string },
          { attr: 'guesses', lte: MAX_GUESSES },
        ],
      },
    })
}
