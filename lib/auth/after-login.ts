import { UpdateTransaction } from 'dynamodb-toolbox'
import { hashPassword, needsRehash } from '../core/crypto/passwords.js'
import type { Account } from '../identity/accounts.js'
import { AccountEntity } from '../identity/entities.js'

/**
 * A hash made with older, weaker parameters is replaced at a successful login, in the login's
 * transaction, conditioned on the old hash so a concurrent password change is never undone.
 */
export const rehashAfterLogin = async (account: Account, password: string) => {
  if (!needsRehash(account.passwordHash)) return undefined
  return AccountEntity.build(UpdateTransaction)
    .item({ accountId: account.accountId, passwordHash: await hashPassword(password) })
    .options({ condition: { attr: 'passwordHash', eq: account.passwordHash } })
}
