import { AppError } from '../core/errors.js'
import { getAccount, getMembership } from '../identity/accounts.js'
import { issueTokens, resolveGrant } from './grant.js'
import { revokeFamily, rotateSession } from './sessions.js'

/** Rotates the refresh token and re-reads account, membership and tenant state for the new token. */
export const refresh = async (refreshToken: string) => {
  const session = await rotateSession(refreshToken)
  const [account, membership] = await Promise.all([
    getAccount(session.accountId),
    getMembership(session.realm, session.ctx, session.accountId),
  ])
  try {
    if (!account || !membership) throw new AppError('REFRESH_TOKEN_INVALID', 'the session no longer applies')
    const grant = await resolveGrant(account, membership)
    return await issueTokens(account, grant, session)
  } catch (err) {
    await revokeFamily(session.familyId)
    throw err
  }
}
