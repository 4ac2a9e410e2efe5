import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import { trustedTenantId } from '../core/tenancy.js'
import { getAccount, getMembership } from '../identity/accounts.js'
import { browserFamilyPrefix, browserStillOpen, consumeHandoff } from './browser-sessions.js'
import { issueTokens, resolveGrant } from './grant.js'
import { startSession } from './sessions.js'

/**
 * A hand-off code from a browser's sign-in (the web workbench) for the API's tokens: the member
 * signed in on the hosted page, so no password is asked again. The code is consumed by the first
 * attempt; the member is checked as at a login (disabled, frozen tenant); the refresh family is
 * started under the browser sign-in's prefix, ends when it signs out, and never outlives it.
 */
export const exchangeHandoff = async (code: string) => {
  const held = await consumeHandoff(code)
  if (!held) throw new AppError('INVALID_CODE', 'the code is unknown, used already or expired')
  // The tenant comes from the code item, which only the tenant's issuer writes.
  const tenantId = trustedTenantId(held.tenantId)
  const [account, membership] = await Promise.all([
    getAccount(held.accountId),
    getMembership('tenant', tenantId, held.accountId),
  ])
  if (!account || !membership) throw new AppError('SESSION_ENDED', 'this sign-in no longer applies')
  const grant = await resolveGrant(account, membership)
  const session = startSession(account, 'tenant', tenantId, {
    prefix: browserFamilyPrefix(held.browser),
    expiresAtEpoch: held.sessionExpiresAtEpoch,
  })
  await transaction()
    .add('browser', browserStillOpen(tenantId, held.browser))
    .add('start', session.write)
    .run({ browser: () => new AppError('SESSION_ENDED', 'this sign-in has ended: sign in again') })
  return issueTokens(account, grant, session)
}
