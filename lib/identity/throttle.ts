import { createHash } from 'node:crypto'
import {
  $add,
  $remove,
  Entity,
  GetItemCommand,
  item,
  number,
  QueryCommand,
  string,
  UpdateItemCommand,
} from 'dynamodb-toolbox'
import { nowMs } from '../core/clock.js'
import { config } from '../core/config.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { deleteKeys } from '../core/db/purge-keys.js'
import { table } from '../core/db/table.js'
import { AppError } from '../core/errors.js'
import { count } from '../core/metrics.js'

/**
 * Password attempts are counted before the password is checked, by conditional counters, so no
 * burst of parallel guesses gets past the limit. Three counters, each in a fixed window:
 * - one identifier from one client address: the tight limit, with locks that grow when repeated;
 *   a stranger's guesses lock out only the stranger's address, never the owner's;
 * - one identifier from every address (a distributed guesser): a wider limit, short locks;
 * - one address across every identifier (password spraying): a wide limit.
 * Counters are keyed by the identifier's blind index, not by an account, so an unknown identifier
 * costs and answers exactly as a known one. A person unlocks themselves by proving the identifier
 * (password reset by code); an admin's reset or unlock clears them too.
 */
const ThrottleEntity = new Entity({
  name: 'Throttle',
  table,
  timestamps: false,
  schema: item({
    subject: string().key(),
    scope: string().key(),
    window: number(),
    n: number(),
    lockedUntil: number().optional(),
    level: number().optional(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ subject, scope }: { subject: string; scope: string }) => ({
    PK: `THROTTLE#${subject}`,
    SK: scope,
  }),
})

interface Counter {
  subject: string
  scope: string
  limit: number
  /** the counting window (fixed, aligned to the clock) */
  windowMs: number
  /** what a refusal says: a lockout (passwords) or too many requests (codes) */
  refuse: (retryAfterMs: number) => AppError
  /** the first lock lasts this long; each further lock within a day doubles it, up to `maxLockMs` */
  lockMs: number
  maxLockMs: number
}

const hash = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 22)

const locked = (retryAfterMs: number) => {
  count('LoginThrottled')
  return new AppError('ACCOUNT_LOCKED', 'too many failed attempts; try again later, or reset your password', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  })
}

const counters = (identifierIndex: string, ip: string): Counter[] => {
  const c = config()
  const lockMs = c.LOGIN_LOCK_MINUTES * 60_000
  const windowMs = c.LOGIN_FAILURE_WINDOW_MINUTES * 60_000
  return [
    {
      subject: identifierIndex,
      scope: `CLIENT#${hash(ip)}`,
      limit: c.LOGIN_MAX_FAILURES,
      windowMs,
      refuse: locked,
      lockMs,
      maxLockMs: 24 * 3_600_000,
    },
    {
      subject: identifierIndex,
      scope: 'ALL',
      limit: c.LOGIN_MAX_FAILURES_PER_IDENTIFIER,
      windowMs,
      refuse: locked,
      lockMs: 60_000,
      maxLockMs: lockMs,
    },
    {
      subject: `IP#${hash(ip)}`,
      scope: 'ALL',
      limit: c.LOGIN_MAX_ATTEMPTS_PER_ADDRESS,
      windowMs,
      refuse: locked,
      lockMs,
      maxLockMs: lockMs,
    },
  ]
}

const windowOf = (c: Counter) => Math.floor(nowMs() / c.windowMs)
const expiry = () => Math.ceil((nowMs() + 2 * 86_400_000) / 1000)

type Row = Awaited<ReturnType<typeof readRow>>
const readRow = async (c: Counter) =>
  (await ThrottleEntity.build(GetItemCommand).key(c).options({ consistent: true }).send()).Item

/** Why a counter refuses now, and for how long; undefined when it admits. */
const refusal = (c: Counter, row: Row): number | undefined => {
  if (!row) return undefined
  if ((row.lockedUntil ?? 0) > nowMs()) return (row.lockedUntil ?? 0) - nowMs()
  if (row.window === windowOf(c) && row.n >= c.limit) return (row.window + 1) * c.windowMs - nowMs()
  return undefined
}

const notLocked = () => ({
  or: [
    { attr: 'lockedUntil' as const, exists: false },
    { attr: 'lockedUntil' as const, lte: nowMs() },
  ],
})

/** Takes one attempt from a counter, or refuses. Returns the attempts used in this window. */
const take = async (c: Counter): Promise<number> => {
  const window = windowOf(c)
  const key = { subject: c.subject, scope: c.scope }
  for (let attempt = 0; attempt < 4; attempt++) {
    // The usual case costs one write: this window's counter, below its limit, not locked.
    const row = attempt === 0 ? undefined : await readRow(c)
    const wait = refusal(c, row)
    if (wait !== undefined) throw c.refuse(wait)
    const fresh = attempt > 0 && (!row || row.window !== window)
    try {
      const { Attributes } = await ThrottleEntity.build(UpdateItemCommand)
        .item(
          fresh
            ? { ...key, window, n: 1, expiresAtEpoch: expiry() }
            : { ...key, n: $add(1), expiresAtEpoch: expiry() },
        )
        .options({
          returnValues: 'ALL_NEW',
          condition: fresh
            ? row
              ? { and: [{ attr: 'window', eq: row.window }, notLocked()] }
              : { attr: 'window', exists: false }
            : { and: [{ attr: 'window', eq: window }, { attr: 'n', lt: c.limit }, notLocked()] },
        })
        .send()
      return Attributes?.n ?? 1
    } catch (err) {
      if (!isConditionFailure(err)) throw err
    }
  }
  throw new AppError('CONFLICT', 'too many attempts at once; retry')
}

/** A lock that grows with each lock of the last day: the counter's window was used up by failures. */
const lock = async (c: Counter) => {
  const row = await readRow(c)
  const level = (row?.lockedUntil ?? 0) > nowMs() - 86_400_000 ? (row?.level ?? 0) + 1 : 0
  const until = nowMs() + Math.min(c.maxLockMs, c.lockMs * 2 ** level)
  await ThrottleEntity.build(UpdateItemCommand)
    .item({ subject: c.subject, scope: c.scope, lockedUntil: until, level, expiresAtEpoch: expiry() })
    .send()
  return until - nowMs()
}

export interface Attempt {
  /** call when the password was right: the identifier's counters start again */
  succeeded: () => Promise<void>
  /** call when it was wrong: locks the counters this attempt used up, and says for how long */
  failed: () => Promise<{ retryAfterSeconds?: number }>
}

/**
 * Admits one password attempt for an identifier from a client address, or refuses it with 429
 * ACCOUNT_LOCKED and when to retry. Call before verifying the password.
 */
export const admitAttempt = async (identifierIndex: string, ip: string): Promise<Attempt> => {
  const all = counters(identifierIndex, ip)
  const used = await Promise.all(all.map(take))
  return {
    succeeded: async () => {
      await Promise.all([
        // the identifier's counters start again; the address keeps only its failures. Not when
        // attempts sent alongside were counted after this one, or locked it meanwhile: a success
        // inside a burst must neither lift its lock nor give it five more guesses
        ...all.slice(0, 2).map((c, i) =>
          ThrottleEntity.build(UpdateItemCommand)
            .item({ subject: c.subject, scope: c.scope, n: 0, lockedUntil: $remove() })
            .options({
              condition: {
                and: [{ attr: 'window', exists: true }, notLocked(), { attr: 'n', eq: used[i] as number }],
              },
            })
            .send()
            .catch((err) => {
              if (!isConditionFailure(err)) throw err
            }),
        ),
        ThrottleEntity.build(UpdateItemCommand)
          .item({ subject: (all[2] as Counter).subject, scope: 'ALL', n: $add(-1) })
          .options({ condition: { attr: 'n', gt: 0 } })
          .send()
          .catch((err) => {
            if (!isConditionFailure(err)) throw err
          }),
      ])
    },
    failed: async () => {
      const spent = all.filter((c, i) => (used[i] as number) >= c.limit)
      if (spent.length === 0) return {}
      const waits = await Promise.all(spent.map(lock))
      return { retryAfterSeconds: Math.ceil(Math.max(...waits) / 1000) }
    },
  }
}

/**
 * Admits one request for a code from a client address, or refuses it (429): codes cost a message
 * each (an SMS has a price), so one address asks for at most `CODE_REQUESTS_PER_HOUR_PER_ADDRESS`.
 */
export const admitCodeRequest = async (ip: string): Promise<void> => {
  await take({
    subject: `CODES#IP#${hash(ip)}`,
    scope: 'ALL',
    limit: config().CODE_REQUESTS_PER_HOUR_PER_ADDRESS,
    windowMs: 3_600_000,
    refuse: (retryAfterMs) =>
      new AppError('TOO_MANY_REQUESTS', 'too many codes asked for from this address; try again later', {
        retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
      }),
    lockMs: 0,
    maxLockMs: 0,
  })
}

/** Clears every counter of an identifier (its owner proved it, or an admin reset or unlocked it). */
export const clearThrottles = async (identifierIndex: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(ThrottleEntity)
    .query({ partition: `THROTTLE#${identifierIndex}` })
    .send()
  await deleteKeys(Items.map((i) => ({ PK: `THROTTLE#${i.subject}`, SK: i.scope })))
}
