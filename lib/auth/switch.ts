import { executeTransactWrite } from 'dynamodb-toolbox'
import type { Caller } from '../core/auth/caller.js'
import { AppError } from '../core/errors.js'
import { getAccount, listMemberships } from '../identity/accounts.js'
import { issueTokens, resolveGrant } from './grant.js'
import { type AttemptContext, loginLogWrite } from './login-log.js'
import { choices, selectorOf } from './realms.js'
import { startSession } from './sessions.js'

const activeMemberships = async (accountId: string) =>
  (await listMemberships(accountId)).filter((m) => m.status === 'active')

/** The workbenches (and admin realms) the caller can switch to. */
export const myRealms = async (caller: Caller) => ({
  items: await choices(await activeMemberships(caller.accountId)),
})

/**
 * Moves the caller into another of their realms without a password: the verified token proves
 * who they are; the target's membership and state are checked as at login.
 */
export const switchRealm = async (caller: Caller, select: string, ctx: AttemptContext) => {
  const account = await getAccount(caller.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  const membership = (await activeMemberships(account.accountId)).find((m) => selectorOf(m) === select)
  if (!membership) throw new AppError('FORBIDDEN', 'no access to the chosen workbench')
  const grant = await resolveGrant(account, membership)
  const session = startSession(account, membership.realm, membership.ctx)
  await executeTransactWrite(
    session.write,
    loginLogWrite(
      account.accountId,
      'success',
      ctx,
      membership.realm === 'tenant' ? membership.ctx : undefined,
    ),
  )
  return issueTokens(account, grant, session)
}
