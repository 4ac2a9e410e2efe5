import { executeTransactWrite } from 'dynamodb-toolbox'
import type { WriteItem } from './conditions.js'

/** DynamoDB's limit on the actions of one TransactWriteItems call. */
export const MAX_TRANSACTION_ACTIONS = 100

interface CancelledError extends Error {
  CancellationReasons?: { Code?: string }[]
}

/** The conditions of these labelled writes failed (the transaction changed nothing). */
export class ConditionsFailed extends Error {
  constructor(readonly labels: ReadonlySet<string>) {
    super(`conditions failed: ${[...labels].join(', ')}`)
    this.name = 'ConditionsFailed'
  }
  has(label: string): boolean {
    return this.labels.has(label)
  }
}

/** A transaction that cannot be sent as built: a programming error, caught before DynamoDB sees it. */
export class TransactionTooLarge extends Error {}

const keyOf = (write: WriteItem): string => {
  const params = write.params() as Record<
    string,
    { Key?: Record<string, unknown>; Item?: Record<string, unknown> }
  >
  const op = params.Put ?? params.Update ?? params.Delete ?? params.ConditionCheck
  const key = op?.Key ?? op?.Item ?? {}
  return `${String(key.PK)}\u0000${String(key.SK)}`
}

/**
 * A write transaction whose items carry labels, so a cancelled transaction says which conditions
 * failed by name: adding a write never changes the meaning of another's failure. Explanations map
 * labels to the error the caller should see; the first label (in the order given) that failed wins.
 */
export class Transaction {
  private readonly items: { label: string; write: WriteItem }[] = []

  /** Adds writes under a label (several writes may share one: "any of the guards"). */
  add(label: string, ...writes: WriteItem[]): this {
    for (const write of writes) this.items.push({ label, write })
    return this
  }

  get size(): number {
    return this.items.length
  }

  /**
   * Sends the transaction. A failed condition throws the explanation of the first failed label in
   * `explain`, or ConditionsFailed with every failed label; a conflict with another transaction
   * passes through unchanged (retryOnConflict knows it).
   */
  async run(explain: Record<string, () => Error> = {}): Promise<void> {
    if (this.items.length === 0) return
    if (this.items.length > MAX_TRANSACTION_ACTIONS) {
      throw new TransactionTooLarge(
        `a transaction holds at most ${MAX_TRANSACTION_ACTIONS} writes; this one has ${this.items.length} (${this.summary()})`,
      )
    }
    const seen = new Map<string, string>()
    for (const { label, write } of this.items) {
      const key = keyOf(write)
      const other = seen.get(key)
      if (other !== undefined) {
        throw new TransactionTooLarge(`"${label}" and "${other}" write the same item; DynamoDB refuses that`)
      }
      seen.set(key, label)
    }
    try {
      await executeTransactWrite(...this.items.map((i) => i.write))
    } catch (err) {
      const failed = this.failedLabels(err)
      if (failed.size === 0) throw err
      for (const [label, toError] of Object.entries(explain)) if (failed.has(label)) throw toError()
      throw new ConditionsFailed(failed)
    }
  }

  private failedLabels(err: unknown): Set<string> {
    if ((err as Error)?.name !== 'TransactionCanceledException') return new Set()
    const reasons = (err as CancelledError).CancellationReasons ?? []
    return new Set(
      reasons.flatMap((r, i) =>
        r.Code === 'ConditionalCheckFailed' && this.items[i]
          ? [(this.items[i] as { label: string }).label]
          : [],
      ),
    )
  }

  private summary(): string {
    const counts = new Map<string, number>()
    for (const { label } of this.items) counts.set(label, (counts.get(label) ?? 0) + 1)
    return [...counts].map(([l, n]) => `${l} ×${n}`).join(', ')
  }
}

export const transaction = (): Transaction => new Transaction()
