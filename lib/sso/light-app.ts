import { DeleteItemCommand, Entity, item, number, PutItemCommand, string } from 'dynamodb-toolbox'
import { nowMs } from '../core/clock.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError } from '../core/errors.js'
import { randomToken, secretDigest } from '../core/ids.js'
import { type TenantContext, trustedTenantId } from '../core/tenancy.js'
import { workbenchUserinfo } from './claims.js'
import { appIdentity, refusalError } from './identity.js'

/** How long a light-app code lives: the app's page hands it to its backend at once. */
export const CODE_LIFETIME_SECONDS = 60

/**
 * A light-app code, kept by the hash of its value (the table never holds one that works). Keyed by
 * the code alone, outside any tenant's partition: the exchange learns the tenant from it, never
 * from the caller. It lives a minute (the TTL removes it later still, so its expiry is checked
 * too); a tenant that is not active issues none, so release has none to purge.
 */
const LightAppCodeEntity = new Entity({
  name: 'LightAppCode',
  table,
  timestamps: false,
  schema: item({
    codeHash: string().key(),
    tenantId: string(),
    appCode: string(),
    memberId: string(),
    expiresAtMs: number(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ codeHash }: { codeHash: string }) => ({ PK: `APPCODE#${codeHash}`, SK: 'APPCODE' }),
})

/**
 * A single-use code for the calling member and a light app (or mini-program) of theirs; the app's
 * backend exchanges it for who they are. Refused, saying why, when they may not sign in to it.
 */
export const issueCode = async (ctx: TenantContext, appId: string) => {
  const result = await appIdentity(ctx.tenantId, appId, ctx.actor.accountId)
  if (!result.ok) throw refusalError(result.refusal)
  if (result.app.protocol !== 'code') {
    throw new AppError('INVALID_STATE', `this app signs members in by ${result.app.protocol}, not by code`)
  }
  if (!result.app.clientId) {
    throw new AppError(
      'INVALID_STATE',
      'the app has no client yet: its administrator issues its secret first',
    )
  }
  const code = randomToken(32)
  const expiresAtMs = nowMs() + CODE_LIFETIME_SECONDS * 1000
  await LightAppCodeEntity.build(PutItemCommand)
    .item({
      codeHash: secretDigest(code),
      tenantId: ctx.tenantId,
      appCode: appId,
      memberId: ctx.actor.accountId,
      expiresAtMs,
      expiresAtEpoch: Math.ceil(expiresAtMs / 1000),
    })
    .options({ condition: { attr: 'codeHash', exists: false } })
    .send()
  return { code, expiresIn: CODE_LIFETIME_SECONDS }
}

/** Deletes the code and returns what it held: of any number of concurrent attempts, one gets it. */
const consume = async (code: string) => {
  try {
    const { Attributes } = await LightAppCodeEntity.build(DeleteItemCommand)
      .key({ codeHash: secretDigest(code) })
      .options({ condition: { attr: 'codeHash', exists: true }, returnValues: 'ALL_OLD' })
      .send()
    return Attributes
  } catch (err) {
    if (isConditionFailure(err)) return undefined
    throw err
  }
}

/**
 * The app's backend exchanges a code for the member, in the workbench userinfo shape. The code is
 * consumed by the first attempt, whatever its outcome; it works only for the client of the app and
 * tenant it was issued for, and the member's standing is checked again (disabled, no longer
 * granted, app switched off meanwhile: refused).
 */
export const exchangeCode = async (client: { clientId: string; clientSecret: string }, code: string) => {
  const held = await consume(code)
  if (!held || held.expiresAtMs <= nowMs()) {
    throw new AppError('INVALID_CODE', 'the code is unknown, used already or expired')
  }
  // The tenant comes from the code item, which only issueCode writes.
  const result = await appIdentity(trustedTenantId(held.tenantId), held.appCode, held.memberId)
  if (
    !result.app ||
    result.app.clientId !== client.clientId ||
    !result.app.secretMatches(client.clientSecret)
  ) {
    throw new AppError('INVALID_CLIENT', 'client authentication failed')
  }
  if (!result.ok) throw refusalError(result.refusal)
  return workbenchUserinfo(result.identity)
}
