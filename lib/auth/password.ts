import { $add, UpdateTransaction } from 'dynamodb-toolbox'
import type { Caller } from '../core/auth/caller.js'
import { nowIso } from '../core/clock.js'
import { hashPassword, verifyPassword } from '../core/crypto/passwords.js'
import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import { getAccount, getMembership } from '../identity/accounts.js'
import { AccountEntity } from '../identity/entities.js'
import { issueTokens, resolveGrant } from './grant.js'
import { registerFailure } from './lockout.js'
import { type AttemptContext, loginLogWrite } from './login-log.js'
import { startSession } from './sessions.js'

const realmCtx = (caller: Caller) =>
  caller.realm === 'tenant' ? caller.tenant.tenantId : caller.realm === 'industry' ? caller.industry : ''

/**
 * Changes the caller's password (also the way out of a one-time password). Every other session and
 * token ends with the old password (the account's epoch moves on); the caller gets fresh tokens.
 */
export const changePassword = async (
  caller: Caller,
  input: { currentPassword: string; newPassword: string },
  ctx: AttemptContext,
) => {
  const account = await getAccount(caller.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  if (!(await verifyPassword(input.currentPassword, account.passwordHash))) {
    await registerFailure(account)
    throw new AppError('VALIDATION_FAILED', 'current password is wrong', [
      { path: 'body.currentPassword', message: 'is wrong' },
    ])
  }
  const membership = await getMembership(caller.realm, realmCtx(caller), account.accountId)
  if (!membership) throw new AppError('FORBIDDEN', 'no longer a member')
  const passwordHash = await hashPassword(input.newPassword)
  const updated = {
    ...account,
    passwordHash,
    mustChangePassword: false,
    sessionEpoch: account.sessionEpoch + 1,
  }
  const grant = await resolveGrant(updated, membership)
  const session = startSession(updated, membership.realm, membership.ctx)
  await transaction()
    .add(
      'password',
      AccountEntity.build(UpdateTransaction)
        .item({
          accountId: account.accountId,
          passwordHash,
          mustChangePassword: false,
          passwordChangedAt: nowIso(),
          sessionEpoch: $add(1),
        })
        .options({ condition: { attr: 'passwordHash', eq: account.passwordHash } }),
    )
    .add('session', session.write)
    .add(
      'log',
      loginLogWrite(
        account.accountId,
        'success',
        ctx,
        membership.realm === 'tenant' ? membership.ctx : undefined,
      ),
    )
    .run({ password: () => new AppError('CONFLICT', 'the password was changed meanwhile') })
  return issueTokens(updated, grant, session)
}
