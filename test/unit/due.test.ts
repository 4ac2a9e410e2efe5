import { DUE_SHARDS, dueKeys, parseDueKey } from '../../lib/core/due.js'

describe('the due index', () => {
  it('spreads due items over every shard, so no partition key carries them all', () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 10_000; i++) {
      const { DUEPK } = dueKeys('2027-01-01T00:00:00.000Z', 'TENANT', `tenant-${i}`)
      counts.set(DUEPK, (counts.get(DUEPK) ?? 0) + 1)
    }
    expect(counts.size).toBe(DUE_SHARDS)
    // even enough: no shard holds more than twice its share
    expect(Math.max(...counts.values())).toBeLessThan((2 * 10_000) / DUE_SHARDS)
  })

  it('keeps every item of one subject on one shard, and names what is due', () => {
    const a = dueKeys('2027-01-01T00:00:00.000Z', 'SUB', 't1', 'drive')
    const b = dueKeys('2028-06-01T00:00:00.000Z', 'SUB', 't1', 'drive')
    expect(a.DUEPK).toBe(b.DUEPK)
    expect(parseDueKey(a.DUESK)).toEqual({ kind: 'SUB', ids: ['t1', 'drive'] })
  })
})
