import { AppError } from '../core/errors.js'
import { getAccount, getMembership } from '../identity/accounts.js'
import { issueTokens, resolveGrant } from './grant.js'
import { type ClientInfo, revokeFamily, rotateSession } from './sessions.js'

/** Rotates the refresh token and re-reads account, membership and tenant state for the new token. */
export const refresh = async (refreshToken: string, client: ClientInfo) => {
  const session = await rotateSession(refreshToken, client)
  const [account, membership] = await Promise.all([
    getAccount(session.accountId),
    getMembership(session.realm, session.ctx, session.accountId),
  ])
  try {
    // A password change or reset moved the account on: the family ended with the old password.
    if (!account || !membership || account.sessionEpoch !== session.accountEpoch)
      throw new AppError('REFRESH_TOKEN_INVALID', 'the session no longer applies')
    const grant = await resolveGrant(account, membership)
    return await issueTokens(account, grant, session)
  } catch (err) {
    await revokeFamily(session)
    throw err
  }
}
