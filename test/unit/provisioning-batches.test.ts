import { nextBatch, retryDelayMs, stillFilling } from '../../lib/provisioning/pump.js'
import type { QueuedDelivery } from '../../lib/provisioning/queue.js'

const at = (ms: number) => new Date(ms).toISOString()
let seq = 0
const users = (flag: 0 | 1 | 2 | 3, count: number, queuedAt = at(0), from = seq * 1000): QueuedDelivery =>
  ({
    tenantId: 't',
    appId: 'a',
    seq: ++seq,
    generation: 1,
    kind: 'users',
    flag,
    memberIds: Array.from({ length: count }, (_, i) => `m${from + i}`),
    queuedAt,
  }) as QueuedDelivery

describe("a provider's calls from its queue", () => {
  beforeEach(() => {
    seq = 0
  })

  it('fills user calls to exactly 500 across deliveries, taking the last in part', () => {
    const head = [users(1, 300), users(1, 300), users(1, 300)]
    const first = nextBatch(head)
    expect(first?.memberIds).toHaveLength(500)
    expect(first?.seqs).toEqual([1])
    expect(first?.rest).toEqual({ seq: 2, memberIds: (head[1]?.memberIds ?? []).slice(200) })
  })

  it('never mixes flags or kinds in one call, and sends other kinds one by one', () => {
    const head = [users(1, 10), users(3, 10), users(1, 10)]
    expect(nextBatch(head)?.seqs).toEqual([1])
    const org = {
      ...users(1, 0),
      kind: 'org',
      dept: { deptId: 'd', name: 'D', parentId: '' },
    } as QueuedDelivery
    expect(nextBatch([org, users(1, 5)])).toMatchObject({ kind: 'org', seqs: [org.seq], memberIds: [] })
  })

  it('counts a member named twice once', () => {
    const a = users(1, 3, at(0), 0)
    const b = users(1, 3, at(0), 1)
    expect(nextBatch([a, b])?.memberIds).toEqual(['m0', 'm1', 'm2', 'm3'])
  })

  it('lets a partial user call wait for quiet, never a full one', () => {
    const head = [users(1, 10, at(1000))]
    const batch = nextBatch(head)
    if (!batch) throw new Error('no batch')
    expect(stillFilling(head, batch, 1500, 2000)).toBe(true)
    expect(stillFilling(head, batch, 3500, 2000)).toBe(false)
    const full = [users(1, 500, at(1000))]
    expect(stillFilling(full, nextBatch(full) as never, 1500, 2000)).toBe(false)
  })

  it('waits 1, 2, 4, 8 and 16 minutes between the six attempts: 31 minutes before parking', () => {
    const waits = [1, 2, 3, 4, 5].map(retryDelayMs)
    expect(waits.map((w) => w / 60_000)).toEqual([1, 2, 4, 8, 16])
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10 * 60_000)
  })
})
