import { createHash } from 'node:crypto'
import {
  boolean,
  ConditionCheck,
  DeleteItemCommand,
  Entity,
  item,
  number,
  PutItemCommand,
  string,
  UpdateItemCommand,
} from 'dynamodb-toolbox'
import { nowEpochSeconds, nowMs } from '../core/clock.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { AppError } from '../core/errors.js'
import { randomToken, secretDigest } from '../core/ids.js'
import type { TenantId } from '../core/tenancy.js'
import { revokeFamiliesUnder } from './sessions.js'

/**
 * API sessions minted from a browser's sign-in at a tenant's issuer (the web workbench). The `sso`
 * function hands the signed-in page a single-use code; the `auth` function exchanges it for tokens
 * (handoff.ts). This module is what both need, and imports nothing heavier than the sessions, so
 * the `sso` bundle stays small.
 */

/** How long a hand-off code lives: the page that asked for it exchanges it at once. */
export const HANDOFF_LIFETIME_SECONDS = 60

/** A browser's sign-in, named by a digest of its uid (stable for the sign-in's life, never shown). */
const browserDigest = (tenantId: string, uid: string) =>
  createHash('sha256').update(`browser:${tenantId}:${uid}`).digest('base64url').slice(0, 22)

/** Every refresh family minted from one browser sign-in shares this prefix, so its end finds them. */
export const browserFamilyPrefix = (digest: string) => `b${digest}-`

/**
 * Whether a browser sign-in has ended, as far as API sessions go: open while it hands off codes,
 * `ended` (a tombstone, kept a day) once it signs out. A code is exchanged only while it is open,
 * checked in the transaction that starts the family, so a sign-out either sees the new family
 * (and revokes it) or makes the exchange fail; nothing minted from it survives the sign-out.
 */
const BrowserSessionEntity = new Entity({
  name: 'BrowserSession',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    digest: string().key(),
    ended: boolean(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ tenantId, digest }: { tenantId: string; digest: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `BROWSER#${digest}`,
  }),
})

/**
 * A hand-off code, kept by the hash of its value, outside any tenant's partition (like a light-app
 * code): the exchange learns the tenant, the member and the browser sign-in from it, never from the
 * caller. It lives a minute (its expiry is checked too, since TTL deletion is lazy).
 */
const HandoffCodeEntity = new Entity({
  name: 'HandoffCode',
  table,
  timestamps: false,
  schema: item({
    codeHash: string().key(),
    tenantId: string(),
    accountId: string(),
    browser: string(),
    /** when the browser's sign-in ends by itself: the API session ends then too */
    sessionExpiresAtEpoch: number(),
    expiresAtMs: number(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ codeHash }: { codeHash: string }) => ({ PK: `HANDOFF#${codeHash}`, SK: 'HANDOFF' }),
})

const ended = () => new AppError('SESSION_ENDED', 'this sign-in has ended: sign in again')

/**
 * A single-use code for the member signed in to this browser session; refused once the session has
 * signed out (a request racing the sign-out).
 */
export const issueHandoff = async (
  tenantId: TenantId,
  accountId: string,
  browser: { uid: string; expiresAtEpoch: number },
) => {
  const digest = browserDigest(tenantId, browser.uid)
  try {
    await BrowserSessionEntity.build(UpdateItemCommand)
      .item({ tenantId, digest, ended: false, expiresAtEpoch: browser.expiresAtEpoch })
      .options({
        condition: {
          or: [
            { attr: 'ended', exists: false },
            { attr: 'ended', eq: false },
          ],
        },
      })
      .send()
  } catch (err) {
    if (isConditionFailure(err)) throw ended()
    throw err
  }
  const code = randomToken(32)
  const expiresAtMs = nowMs() + HANDOFF_LIFETIME_SECONDS * 1000
  await HandoffCodeEntity.build(PutItemCommand)
    .item({
      codeHash: secretDigest(code),
      tenantId,
      accountId,
      browser: digest,
      sessionExpiresAtEpoch: browser.expiresAtEpoch,
      expiresAtMs,
      expiresAtEpoch: Math.ceil(expiresAtMs / 1000),
    })
    .options({ condition: { attr: 'codeHash', exists: false } })
    .send()
  return { code, expiresIn: HANDOFF_LIFETIME_SECONDS }
}

/** Deletes the code and returns what it held, if it still counts: of concurrent attempts, one gets it. */
export const consumeHandoff = async (code: string) => {
  try {
    const { Attributes } = await HandoffCodeEntity.build(DeleteItemCommand)
      .key({ codeHash: secretDigest(code) })
      .options({ condition: { attr: 'codeHash', exists: true }, returnValues: 'ALL_OLD' })
      .send()
    return Attributes && Attributes.expiresAtMs > nowMs() ? Attributes : undefined
  } catch (err) {
    if (isConditionFailure(err)) return undefined
    throw err
  }
}

/** The condition an exchange commits under: the browser sign-in has not signed out. */
export const browserStillOpen = (tenantId: string, digest: string) =>
  BrowserSessionEntity.build(ConditionCheck).key({ tenantId, digest }).condition({ attr: 'ended', eq: false })

/**
 * The browser signed out (any logout of the issuer): every API session minted from it ends, and no
 * code it handed out can start another. The tombstone first, then the families: an exchange that
 * committed before it is found by the query; one after it fails.
 */
export const endBrowserApiSessions = async (tenantId: TenantId, uid: string) => {
  const digest = browserDigest(tenantId, uid)
  await BrowserSessionEntity.build(UpdateItemCommand)
    .item({ tenantId, digest, ended: true, expiresAtEpoch: nowEpochSeconds() + 86_400 })
    .send()
  await revokeFamiliesUnder('tenant', tenantId, browserFamilyPrefix(digest))
}
