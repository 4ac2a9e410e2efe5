export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

export const timed = async (n: number, fn: () => Promise<unknown>): Promise<number[]> => {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    await fn()
    out.push(performance.now() - start)
  }
  return out
}

export const fmt = (n: number, digits = 2): string => n.toFixed(digits)

export const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL')

/** A GitHub-flavoured markdown table, also readable as plain text. */
export const table = (head: string[], rows: (string | number)[][]): string =>
  [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')

/** The first columns of every latency table: what was called, how often, and its times against a bare GetItem. */
export const LATENCY_COLUMNS = ['call', 'n', 'p50 ms', 'p99 ms', 'p50 × GetItem'] as const

/** The cells of LATENCY_COLUMNS for one call's timings. */
export const latencyCells = (name: string, times: number[], bareGetItemP50: number) => [
  name,
  times.length,
  fmt(percentile(times, 50)),
  fmt(percentile(times, 99)),
  fmt(percentile(times, 50) / bareGetItemP50),
]

/** A latency row that also shows a call's requests before and after its data grew, and its target. */
export const growthRow =
  (bareGetItemP50: number) =>
  (name: string, times: number[], small: number, large: number, target: string) => [
    ...latencyCells(name, times, bareGetItemP50),
    `${small} → ${large}`,
    target,
  ]
