import type { ExecuteTransactWriteInput, ExecuteTransactWriteOptions } from 'dynamodb-toolbox'

/** Helpers to tell which condition of a write or transaction failed. */

interface CancelledError extends Error {
  CancellationReasons?: { Code?: string }[]
}

export const isConditionFailure = (err: unknown): boolean =>
  (err as Error)?.name === 'ConditionalCheckFailedException' ||
  ((err as Error)?.name === 'TransactionCanceledException' &&
    ((err as CancelledError).CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'))

/**
 * A condition that a list of distinct strings still equals `values` (DynamoDB compares no lists
 * whole): the same size and each value in it; an empty list may also be absent.
 */
export const listEquals = <A extends string>(attr: A, values: string[]) =>
  values.length === 0
    ? {
        or: [
          { attr, exists: false },
          { size: attr, eq: 0 },
        ],
      }
    : { and: [{ size: attr, eq: values.length }, ...values.map((v) => ({ attr, contains: v }))] }

/** A transaction cancelled because another one touched the same items at the same time. */
export const isTransactionConflict = (err: unknown): boolean =>
  (err as Error)?.name === 'TransactionCanceledException' &&
  ((err as CancelledError).CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict')

/** One item of a write transaction, whatever entity builds it. */
export type WriteItem = Exclude<ExecuteTransactWriteInput[number], ExecuteTransactWriteOptions>

/** Thrown inside retryOnConflict when what was read changed meanwhile and a fresh attempt will do. */
export class StaleRead extends Error {}

/** Concurrent transactions on the same items cancel each other: try again shortly, with jitter. */
export const retryOnConflict = async <T>(fn: () => Promise<T>, attempts = 8): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (!(isTransactionConflict(err) || err instanceof StaleRead) || attempt >= attempts) throw err
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (attempt + 1)))
    }
  }
}
