import type { FormattedItem } from 'dynamodb-toolbox'
import { $add, $remove, $set, GetItemCommand, UpdateItemCommand } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { deleteKeys } from '../core/db/purge-keys.js'
import { type DueSpace, dueKeysIn } from '../core/due.js'
import { log } from '../core/log.js'
import { MAX_USERS_PER_CALL } from './kit-bodies.js'
import { KitWireError } from './kit-json.js'
import { dropDeliveries, keepRest, type QueuedDelivery, queueHead } from './queue.js'
import { deliveryKey, ProvisioningEntity, settingsKey } from './records.js'

export type Settings = FormattedItem<typeof ProvisioningEntity>

/** Deliveries sent as one call: one, or consecutive user changes of one kind (at most 500 users). */
export interface Batch {
  kind: QueuedDelivery['kind']
  flag?: number
  memberIds: string[]
  dept?: { deptId: string; name: string; parentId: string }
  /** deliveries sent whole */
  seqs: number[]
  /** a delivery sent in part, and the members of it still to send */
  rest?: { seq: number; memberIds: string[] }
}

export interface Outcome {
  ok: boolean
  /** what the provider said (its result code and message), kept for the admin; never personal data */
  code?: string
  message?: string
  httpStatus?: number
  /** how long the provider asked to be left alone (`Retry-After`): the retry comes no earlier */
  retryAfterMs?: number
}

/** Sends one batch to the provider of a setting (a dialect's wire). */
export type Send = (settings: Settings, batch: Batch) => Promise<Outcome>

/** Provisioning retries: their own space of the due index, read by the worker every minute. */
export const RETRY_DUE: DueSpace = { prefix: 'PROVDUE', shards: 4 }
const retryKeys = (at: string, tenantId: string, appId: string) =>
  dueKeysIn(RETRY_DUE, at, 'PROV', tenantId, appId)

/** The first attempt and five retries, 1, 2, 4, 8 and 16 minutes apart (31 minutes), then parked. */
export const MAX_ATTEMPTS = 6
export const retryDelayMs = (attempts: number) => 60_000 * 2 ** (attempts - 1)
/** A provider's `Retry-After` is heeded up to an hour (a date far off does not stall the queue). */
export const MAX_RETRY_AFTER_MS = 3_600_000

/** When a failed attempt is tried again: its back-off, or later if the provider asked for later. */
export const retryWaitMs = (attempts: number, retryAfterMs?: number) =>
  Math.max(retryDelayMs(attempts), Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS))
const LEASE_MS = 90_000

/**
 * The head of the queue as one call: user changes of one flag fill a call up to 500 users, across
 * deliveries (the last one taken may be taken in part: `rest` is what stays queued of it).
 */
export const nextBatch = (head: QueuedDelivery[]): Batch | undefined => {
  const [first] = head
  if (!first) return undefined
  const batch: Batch = {
    kind: first.kind,
    flag: first.flag,
    dept: first.dept,
    memberIds: [],
    seqs: [],
  }
  if (first.kind !== 'users') return { ...batch, memberIds: [...(first.memberIds ?? [])], seqs: [first.seq] }
  const members = new Set<string>()
  for (const next of head) {
    if (next.kind !== 'users' || next.flag !== first.flag || next.generation !== first.generation) break
    const fresh = (next.memberIds ?? []).filter((m) => !members.has(m))
    const room = MAX_USERS_PER_CALL - members.size
    for (const m of fresh.slice(0, room)) members.add(m)
    if (fresh.length > room) {
      batch.rest = { seq: next.seq, memberIds: fresh.slice(room) }
      break
    }
    batch.seqs.push(next.seq)
  }
  batch.memberIds = [...members]
  return batch
}

/** Whether the head is a partial user call whose latest part was queued moments ago (more may come). */
export const stillFilling = (head: QueuedDelivery[], batch: Batch, now: number, quietMs: number) => {
  if (batch.kind !== 'users' || batch.rest || batch.memberIds.length >= MAX_USERS_PER_CALL) return false
  const taken = head.filter((d) => batch.seqs.includes(d.seq))
  const latest = Math.max(...taken.map((d) => Date.parse(d.queuedAt)))
  return now - latest < quietMs
}

const lease = async (tenantId: string, appId: string, now: number): Promise<Settings | undefined> => {
  try {
    const { Attributes } = await ProvisioningEntity.build(UpdateItemCommand)
      .item({ tenantId, appId, leaseUntil: now + LEASE_MS })
      .options({
        condition: {
          and: [
            { attr: 'dialect', exists: true },
            { attr: 'state', ne: 'parked' },
            {
              or: [
                { attr: 'leaseUntil', exists: false },
                { attr: 'leaseUntil', lt: now },
              ],
            },
            {
              or: [
                { attr: 'retryAt', exists: false },
                { attr: 'retryAt', lte: new Date(now).toISOString() },
              ],
            },
          ],
        },
        returnValues: 'ALL_NEW',
      })
      .send()
    return Attributes as Settings
  } catch (err) {
    if (!isConditionFailure(err)) throw err
    // held by another pump (or waiting): a knock makes the holder look again before it lets go
    await ProvisioningEntity.build(UpdateItemCommand)
      .item({ tenantId, appId, pokes: $add(1) })
      .options({ condition: { attr: 'dialect', exists: true } })
      .send()
      .catch((e: unknown) => {
        if (!isConditionFailure(e)) throw e
      })
    return undefined
  }
}

const reread = async (tenantId: string, appId: string) =>
  (
    await ProvisioningEntity.build(GetItemCommand)
      .key({ tenantId, appId })
      .options({ consistent: true })
      .send()
  ).Item

/** Lets go of the queue unless someone knocked since it was last read (then: look again). */
const release = async (settings: Settings, seenPokes: number) => {
  try {
    await ProvisioningEntity.build(UpdateItemCommand)
      .item({
        tenantId: settings.tenantId,
        appId: settings.appId,
        state: 'idle',
        leaseUntil: $remove(),
        retryAt: $remove(),
        DUEPK: $remove(),
        DUESK: $remove(),
        updatedAt: nowIso(),
      })
      .options({ condition: { attr: 'pokes', eq: seenPokes } })
      .send()
    return true
  } catch (err) {
    if (isConditionFailure(err)) return false
    throw err
  }
}

const succeeded = (settings: Settings, at: string) =>
  ProvisioningEntity.build(UpdateItemCommand)
    .item({
      tenantId: settings.tenantId,
      appId: settings.appId,
      state: 'pending',
      attempts: 0,
      lastSuccessAt: at,
      lastError: $remove(),
      updatedAt: at,
    })
    .send()

/** A failed attempt: retried later with a longer wait, or parked (the queue waits for the admin). */
const failed = async (settings: Settings, outcome: Outcome, now: number) => {
  const attempts = settings.attempts + 1
  const parked = attempts >= MAX_ATTEMPTS
  const at = new Date(now).toISOString()
  const retryAt = new Date(now + retryWaitMs(attempts, outcome.retryAfterMs)).toISOString()
  const error = {
    at,
    message: outcome.message ?? 'failed',
    code: outcome.code,
    httpStatus: outcome.httpStatus,
  }
  await ProvisioningEntity.build(UpdateItemCommand)
    .item({
      tenantId: settings.tenantId,
      appId: settings.appId,
      state: parked ? 'parked' : 'failing',
      attempts,
      lastError: $set(error),
      leaseUntil: $remove(),
      updatedAt: at,
      ...(parked
        ? { retryAt: $remove(), DUEPK: $remove(), DUESK: $remove() }
        : { retryAt, ...retryKeys(retryAt, settings.tenantId, settings.appId) }),
    })
    .send()
  log.warn('provisioning delivery failed', {
    appId: settings.appId,
    attempts,
    parked,
    code: outcome.code,
    httpStatus: outcome.httpStatus,
  })
  return parked ? 'parked' : 'failing'
}

/** Out of time with work left: due at once, so the next retry run goes on. */
const handOn = (settings: Settings) => {
  const at = nowIso()
  return ProvisioningEntity.build(UpdateItemCommand)
    .item({
      tenantId: settings.tenantId,
      appId: settings.appId,
      leaseUntil: $remove(),
      retryAt: at,
      ...retryKeys(at, settings.tenantId, settings.appId),
    })
    .send()
}

/** The setting and its queue go (after the provider was told the app is unbound). */
const forget = async (settings: Settings) => {
  const rest = await queueHead(settings.tenantId, settings.appId, 1000)
  await deleteKeys([
    ...rest.map((d) => ({ PK: tenantPartition(d.tenantId), SK: deliveryKey(d.appId, d.seq) })),
    { PK: tenantPartition(settings.tenantId), SK: settingsKey(settings.appId) },
  ])
}

/**
 * Delivers an app's queue in order, one call at a time: a call starts only once the one before
 * it succeeded. One pump per app at a time (a lease on the setting); a failure stops the queue
 * until its retry is due, so what comes later waits behind it. Returns how it left the queue.
 */
export const pump = async (
  tenantId: string,
  appId: string,
  senderOf: (settings: Settings) => Send,
  options: { budgetMs?: number; settleMs?: number; now?: () => number } = {},
): Promise<string> => {
  const now = options.now ?? Date.now
  const started = now()
  const settings = await lease(tenantId, appId, started)
  if (!settings) return 'held or waiting'
  let seenPokes = settings.pokes
  let sent = 0
  let waited = 0
  for (;;) {
    const head = await queueHead(tenantId, appId)
    const stale = head.filter((d) => d.generation !== settings.generation)
    if (stale.length > 0) {
      await dropDeliveries(
        tenantId,
        appId,
        stale.map((d) => d.seq),
      )
      continue
    }
    const batch = nextBatch(head)
    // a partial user call waits for a quiet moment (others' changes are being queued), briefly
    if (
      batch &&
      waited < (options.settleMs ?? 0) &&
      stillFilling(head, batch, now(), options.settleMs ?? 0)
    ) {
      await new Promise((r) => setTimeout(r, 200))
      waited += 200
      continue
    }
    if (!batch) {
      if (await release(settings, seenPokes)) return sent > 0 ? `sent ${sent}` : 'idle'
      // someone queued meanwhile: read the knocks, then the queue, again
      const fresh = await reread(tenantId, appId)
      if (!fresh) return 'gone'
      seenPokes = fresh.pokes
      continue
    }
    if (batch.kind === 'unbound') {
      await forget(settings)
      return 'unbound'
    }
    const outcome = await senderOf(settings)(settings, batch).catch(
      (err: Error): Outcome => ({
        ok: false,
        // what could not be put on the wire names its field (never a value); anything else is the way there
        message:
          err instanceof KitWireError
            ? `not sent: ${err.message}`
            : `${err.name}: could not reach the provider`,
      }),
    )
    if (!outcome.ok) return failed(settings, outcome, now())
    await dropDeliveries(tenantId, appId, batch.seqs)
    if (batch.rest) await keepRest(tenantId, appId, batch.rest)
    await succeeded(settings, new Date(now()).toISOString())
    settings.attempts = 0
    sent++
    if (now() - started > (options.budgetMs ?? 60_000)) {
      await handOn(settings)
      return `sent ${sent}, more later`
    }
  }
}
