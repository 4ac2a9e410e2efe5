import { executeTransactWrite, UpdateTransaction } from 'dynamodb-toolbox'
import type { Principal } from '../core/auth/principal.js'
import { nowIso } from '../core/clock.js'
import { hashPassword, verifyPassword } from '../core/crypto/passwords.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { AppError } from '../core/errors.js'
import { getAccount, getMembership } from '../identity/accounts.js'
import { AccountEntity } from '../identity/entities.js'
import { issueTokens, resolveGrant } from './grant.js'
import { registerFailure } from './lockout.js'
import { type AttemptContext, loginLogWrite } from './login-log.js'
import { revokeAllSessions, startSession } from './sessions.js'

/**
 * Changes the caller's password (also the way out of a one-time password). Every other
 * session ends; the caller gets fresh tokens for the realm it is in.
 */
export const changePassword = async (
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
  ctx: AttemptContext,
) => {
  const account = await getAccount(principal.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  if (!(await verifyPassword(input.currentPassword, account.passwordHash))) {
    await registerFailure(account)
    throw new AppError('VALIDATION_FAILED', 'current password is wrong', [
      { path: 'body.currentPassword', message: 'is wrong' },
    ])
  }
  const realmCtx = principal.tenantId ?? principal.industry ?? ''
  const membership = await getMembership(principal.scope, realmCtx, account.accountId)
  if (!membership) throw new AppError('FORBIDDEN', 'no longer a member')
  const passwordHash = await hashPassword(input.newPassword)
  try {
    await executeTransactWrite(
      AccountEntity.build(UpdateTransaction)
        .item({
          accountId: account.accountId,
          passwordHash,
          mustChangePassword: false,
          passwordChangedAt: nowIso(),
        })
        .options({ condition: { attr: 'passwordHash', eq: account.passwordHash } }),
    )
  } catch (err) {
    if (isConditionFailure(err)) throw new AppError('CONFLICT', 'the password was changed meanwhile')
    throw err
  }
  await revokeAllSessions(account.accountId)
  const updated = { ...account, passwordHash, mustChangePassword: false }
  const grant = await resolveGrant(updated, membership)
  const session = startSession(account.accountId, membership.realm, membership.ctx)
  await executeTransactWrite(
    session.write,
    loginLogWrite(account.accountId, 'success', ctx, principal.tenantId),
  )
  return issueTokens(updated, grant, session)
}
