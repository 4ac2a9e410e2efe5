import {
  BatchGetCommand,
  BatchGetRequest,
  type Entity,
  executeBatchGet,
  type FormattedItem,
  type KeyInputItem,
} from 'dynamodb-toolbox'
import { mapLimit } from '../concurrency.js'
import { retryOnConflict, StaleRead } from './conditions.js'
import { table } from './table.js'

/** BatchGetItem requests of one read in flight at once. */
const BATCHES_IN_FLIGHT = 2

const keyString = (key: Record<string, unknown>) => `${String(key.PK)}\u0000${String(key.SK)}`

/**
 * Items by key, in the order asked (undefined where there is none), whatever entities the
 * requests are for: one BatchGetItem per 100 distinct keys, all at once; keys DynamoDB leaves
 * unprocessed are asked again after a pause, so a throttled batch slows down instead of losing items.
 */
export const batchGetRequests = async (
  requests: BatchGetRequest[],
  options: { consistent?: boolean } = {},
): Promise<(Record<string, unknown> | undefined)[]> => {
  const distinct = [...new Map(requests.map((r) => [keyString(r.params()), r])).values()]
  const found = new Map<string, Record<string, unknown>>()
  const chunks = Array.from({ length: Math.ceil(distinct.length / 100) }, (_, i) =>
    distinct.slice(i * 100, i * 100 + 100),
  )
  // independent batches, a few at once: 101 keys wait for one round trip, not two, while thousands
  // of keys do not ask for all their batches at once (DynamoDB then leaves many keys unprocessed:
  // 50 at once made a 5,000-member provisioning run send 3.5x the requests)
  await mapLimit(chunks, BATCHES_IN_FLIGHT, async (chunk) => {
    let pending = chunk
    await retryOnConflict(async () => {
      const { Responses, UnprocessedKeys } = await executeBatchGet(
        table
          .build(BatchGetCommand)
          .requests(...(pending as [BatchGetRequest]))
          .options(options),
      )
      for (const [j, item] of (Responses?.[0] ?? []).entries()) {
        if (item)
          found.set(keyString((pending[j] as BatchGetRequest).params()), item as Record<string, unknown>)
      }
      const left = new Set((UnprocessedKeys?.[table.getName()]?.Keys ?? []).map(keyString))
      pending = pending.filter((r) => left.has(keyString(r.params())))
      if (pending.length > 0) throw new StaleRead('unprocessed keys')
    })
  })
  return requests.map((r) => found.get(keyString(r.params())))
}

/**
 * Several named groups of reads in one batch (one BatchGetItem per 100 distinct keys), answered
 * group by group in the order asked: readers that each export their requests share one request.
 */
export const batchGetGroups = async <K extends string>(
  groups: Record<K, BatchGetRequest[]>,
  options: { consistent?: boolean } = {},
): Promise<Record<K, (Record<string, unknown> | undefined)[]>> => {
  const named = Object.entries(groups) as [K, BatchGetRequest[]][]
  const items = await batchGetRequests(
    named.flatMap(([, requests]) => requests),
    options,
  )
  let at = 0
  const out = {} as Record<K, (Record<string, unknown> | undefined)[]>
  for (const [name, requests] of named) {
    out[name] = items.slice(at, at + requests.length)
    at += requests.length
  }
  return out
}

/** Items of one entity by key, in the order asked (undefined where there is none). */
export const batchGet = async <E extends Entity>(
  entity: E,
  keys: KeyInputItem<E>[],
  options: { consistent?: boolean } = {},
): Promise<(FormattedItem<E> | undefined)[]> =>
  (await batchGetRequests(
    keys.map((key) => entity.build(BatchGetRequest).key(key)),
    options,
  )) as (FormattedItem<E> | undefined)[]
