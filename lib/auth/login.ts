import { executeTransactWrite } from 'dynamodb-toolbox'
import type { z } from 'zod'
import { nowMs } from '../core/clock.js'
import { burnPasswordCheck, verifyPassword } from '../core/crypto/passwords.js'
import { AppError } from '../core/errors.js'
import { findAccountByIdentifier, listMemberships, type Membership } from '../identity/accounts.js'
import { accountAfterLogin } from './after-login.js'
import { issueTokens, resolveGrant } from './grant.js'
import { isLocked, registerFailure } from './lockout.js'
import { type AttemptContext, loginLogWrite } from './login-log.js'
import { choices, selectorOf } from './realms.js'
import type { LoginBody } from './schemas.js'
import { startSession } from './sessions.js'

const badCredentials = () => new AppError('INVALID_CREDENTIALS', 'identifier or password is wrong')

/**
 * Password login. A person in several realms without a choice gets the list to choose from;
 * the chosen realm's token carries only that realm. Every outcome past the identifier lookup
 * lands in the account's login log.
 */
export const login = async (input: z.infer<typeof LoginBody>, ctx: AttemptContext) => {
  const account = await findAccountByIdentifier(input.identifier)
  if (!account) {
    await burnPasswordCheck(input.password)
    throw badCredentials()
  }
  const logOnly = (result: Parameters<typeof loginLogWrite>[1], tenantId?: string) =>
    executeTransactWrite(loginLogWrite(account.accountId, result, ctx, tenantId))
  if (isLocked(account)) {
    await logOnly('locked')
    const retryAfterSeconds = Math.ceil((account.lockedUntilMs - nowMs()) / 1000)
    throw new AppError('ACCOUNT_LOCKED', 'too many failed logins; try again later', { retryAfterSeconds })
  }
  if (!(await verifyPassword(input.password, account.passwordHash))) {
    const { locked } = await registerFailure(account)
    await logOnly('bad_password')
    if (locked) throw new AppError('ACCOUNT_LOCKED', 'too many failed logins; try again later')
    throw badCredentials()
  }
  if (account.status !== 'active') {
    await logOnly('disabled')
    throw new AppError('ACCOUNT_DISABLED', 'this account is disabled')
  }

  const memberships = (await listMemberships(account.accountId)).filter((m) => m.status === 'active')
  const wanted = input.select ?? (input.tenantCode ? `tenant:${input.tenantCode}` : undefined)
  const candidates = wanted ? memberships.filter((m) => selectorOf(m) === wanted) : memberships
  if (candidates.length === 0) {
    await logOnly('no_membership')
    throw new AppError(
      'FORBIDDEN',
      wanted ? 'no access to the chosen workbench' : 'this account belongs to no workbench',
    )
  }
  if (candidates.length > 1) return { chooseFrom: await choices(candidates) }

  const membership = candidates[0] as Membership
  const tenantId = membership.realm === 'tenant' ? membership.ctx : undefined
  let grant: Awaited<ReturnType<typeof resolveGrant>>
  try {
    grant = await resolveGrant(account, membership)
  } catch (err) {
    if (err instanceof AppError && err.code === 'TENANT_FROZEN') await logOnly('tenant_frozen', tenantId)
    throw err
  }
  const session = startSession(account, membership.realm, membership.ctx)
  const accountUpdate = await accountAfterLogin(account, input.password)
  await executeTransactWrite(
    session.write,
    loginLogWrite(account.accountId, 'success', ctx, tenantId),
    ...(accountUpdate ? [accountUpdate] : []),
  )
  return issueTokens(account, grant, session)
}
