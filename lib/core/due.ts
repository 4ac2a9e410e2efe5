import { createHash } from 'node:crypto'

/**
 * Due work (expiries, retention ends, reminders) sits on the sparse ByDue index, spread over
 * shards so that no partition key carries every due item: a job reads each shard up to now, so
 * its cost follows the work that is due, not the number of tenants.
 */
export const DUE_SHARDS = 16

const shardOf = (ids: string): number => createHash('sha1').update(ids).digest().readUInt16BE(0) % DUE_SHARDS

export const duePartition = (shard: number): string => `DUE#${shard}`

/** The index keys of a due item: `DUE#<shard>` and `<due ISO>#<KIND>#<ids…>`. */
export const dueKeys = (dueAt: string, kind: string, ...ids: string[]) => ({
  DUEPK: duePartition(shardOf(ids.join('#'))),
  DUESK: `${dueAt}#${kind}#${ids.join('#')}`,
})

/** What a due index sort key names. */
export const parseDueKey = (sortKey: string): { kind: string; ids: string[] } => {
  const [, kind = '', ...ids] = sortKey.split('#')
  return { kind, ids }
}
