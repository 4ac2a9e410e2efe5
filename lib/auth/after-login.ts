import { UpdateTransaction } from 'dynamodb-toolbox'
import { hashPassword, needsRehash } from '../core/crypto/passwords.js'
import type { Account } from '../identity/accounts.js'
import { AccountEntity } from '../identity/entities.js'

/**
 * What a successful login changes on the account, as one write (a transaction may touch an
 * item once): the failure count is cleared, and a hash made with older, weaker parameters is
 * replaced, conditioned on the old hash so a concurrent password change is never undone.
 */
export const accountAfterLogin = async (account: Account, password: string) => {
  const clear = account.failedCount > 0 || account.lockedUntilMs > 0
  const rehash = needsRehash(account.passwordHash)
  if (!clear && !rehash) return undefined
  return AccountEntity.build(UpdateTransaction)
    .item({
      accountId: account.accountId,
      ...(clear ? { failedCount: 0, failWindowStartMs: 0, lockedUntilMs: 0 } : {}),
      ...(rehash ? { passwordHash: await hashPassword(password) } : {}),
    })
    .options({ condition: { attr: 'passwordHash', eq: account.passwordHash } })
}
