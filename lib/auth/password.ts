import { $add, UpdateTransaction } from 'dynamodb-toolbox'
import type { Caller } from '../core/auth/caller.js'
import { nowIso } from '../core/clock.js'
import { hashPassword, verifyPassword } from '../core/crypto/passwords.js'
import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import {
  accountIdentifierIndex,
  decryptIdentifier,
  findAccountByIdentifier,
  getAccount,
  getMembership,
  identifierIndex,
} from '../identity/accounts.js'
import { AccountEntity } from '../identity/entities.js'
import { isPlatformIssued, proofWrite } from '../identity/proofs.js'
import { admitAttempt, clearThrottles } from '../identity/throttle.js'
import { issueTokens, resolveGrant } from './grant.js'
import { type AttemptContext, loginLogWrite } from './login-log.js'
import { startSession } from './sessions.js'

const realmCtx = (caller: Caller) =>
  caller.realm === 'tenant' ? caller.tenant.tenantId : caller.realm === 'industry' ? caller.industry : ''

/** The account's new password, and every token and session issued before it ends (the epoch moves on). */
const newPasswordWrite = (accountId: string, passwordHash: string, previousHash: string, proven: boolean) =>
  AccountEntity.build(UpdateTransaction)
    .item({
      accountId,
      passwordHash,
      mustChangePassword: false,
      passwordChangedAt: nowIso(),
      sessionEpoch: $add(1),
      ...(proven ? { provenAt: nowIso() } : {}),
    })
    .options({ condition: { attr: 'passwordHash', eq: previousHash } })

const changedMeanwhile = () => new AppError('CONFLICT', 'the password was changed meanwhile')

/**
 * Changes the caller's password. Replacing a one-time password also needs the code sent to the
 * login identifier: whoever was handed the one-time password (an administrator, a stranger who
 * registered someone else's address) cannot make the login theirs. The caller gets fresh tokens.
 */
export const changePassword = async (
  caller: Caller,
  input: { currentPassword: string; newPassword: string; verificationCode?: string },
  ctx: AttemptContext,
) => {
  const account = await getAccount(caller.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  // A stolen access token must not allow unlimited guesses of the current password.
  const attempt = await admitAttempt(await accountIdentifierIndex(account), ctx.ip)
  if (!(await verifyPassword(input.currentPassword, account.passwordHash))) {
    const { retryAfterSeconds } = await attempt.failed()
    if (retryAfterSeconds !== undefined) {
      throw new AppError('ACCOUNT_LOCKED', 'too many failed attempts; try again later', { retryAfterSeconds })
    }
    throw new AppError('VALIDATION_FAILED', 'current password is wrong', [
      { path: 'body.currentPassword', message: 'is wrong' },
    ])
  }
  await attempt.succeeded()
  const identifier = await decryptIdentifier(account)
  const needsProof = account.mustChangePassword && !isPlatformIssued(identifier)
  if (needsProof && !input.verificationCode) {
    throw new AppError(
      'VALIDATION_FAILED',
      'replacing a one-time password needs the code sent to your login',
      [
        {
          path: 'body.verificationCode',
          message: 'required: ask for a code (POST /v1/auth/codes, purpose activate)',
        },
      ],
    )
  }
  const proof = needsProof
    ? await proofWrite(identifier, 'activate', input.verificationCode as string, 'body.verificationCode')
    : undefined
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
      newPasswordWrite(account.accountId, passwordHash, account.passwordHash, proof !== undefined),
    )
    .add('proof', ...(proof ? [proof] : []))
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
    .run({ password: changedMeanwhile, proof: () => new AppError('CONFLICT', 'the code was used meanwhile') })
  return issueTokens(updated, grant, session)
}

/**
 * A person who forgot their password (or is locked out) proves their login identifier with a code
 * and chooses a new password: their sessions end and their attempt counters are cleared.
 */
export const resetOwnPassword = async (input: { identifier: string; code: string; newPassword: string }) => {
  const account = await findAccountByIdentifier(input.identifier)
  // An unknown identifier fails as a wrong code does: this tells nobody whether a login exists.
  const proof = await proofWrite(input.identifier, 'reset', input.code)
  if (!account)
    throw new AppError('VALIDATION_FAILED', 'the code is wrong or has expired', [
      { path: 'body.code', message: 'wrong or expired code' },
    ])
  const passwordHash = await hashPassword(input.newPassword)
  await transaction()
    .add('password', newPasswordWrite(account.accountId, passwordHash, account.passwordHash, true))
    .add('proof', proof)
    .run({ password: changedMeanwhile, proof: () => new AppError('CONFLICT', 'the code was used meanwhile') })
  await clearThrottles(await identifierIndex(input.identifier))
}
