import { $add, UpdateItemCommand } from 'dynamodb-toolbox'
import { nowMs } from '../core/clock.js'
import { config } from '../core/config.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { type Account, getAccount } from '../identity/accounts.js'
import { AccountEntity } from '../identity/entities.js'

export const isLocked = (account: Account): boolean => account.lockedUntilMs > nowMs()

/**
 * Counts a failed password in the account's current window (atomic ADD, conditioned on the
 * window it was read with) and locks the account when the count reaches the limit.
 */
export const registerFailure = async (account: Account): Promise<{ locked: boolean }> => {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_MINUTES, LOGIN_LOCK_MINUTES } = config()
  let current: Account | undefined = account
  for (let attempt = 0; attempt < 3 && current; attempt++) {
    const windowOpen = current.failWindowStartMs > nowMs() - LOGIN_FAILURE_WINDOW_MINUTES * 60_000
    try {
      const { Attributes } = await AccountEntity.build(UpdateItemCommand)
        .item(
          windowOpen
            ? { accountId: current.accountId, failedCount: $add(1) }
            : { accountId: current.accountId, failedCount: 1, failWindowStartMs: nowMs() },
        )
        .options({
          condition: { attr: 'failWindowStartMs', eq: current.failWindowStartMs },
          returnValues: 'ALL_NEW',
        })
        .send()
      if ((Attributes?.failedCount ?? 0) < LOGIN_MAX_FAILURES) return { locked: false }
      await AccountEntity.build(UpdateItemCommand)
        .item({
          accountId: current.accountId,
          lockedUntilMs: nowMs() + LOGIN_LOCK_MINUTES * 60_000,
          failedCount: 0,
          failWindowStartMs: 0,
        })
        .send()
      return { locked: true }
    } catch (err) {
      if (!isConditionFailure(err)) throw err
      current = await getAccount(account.accountId)
    }
  }
  return { locked: false }
}
