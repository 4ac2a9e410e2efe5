import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { REPO_ROOT } from '../scripts/local/paths.js'
import { fmt, percentile, table, verdict } from './stats.js'

/** Bundles each function as serverless.yml's custom.esbuild does (minified, its plugins, SDK bundled, no source map). */
const bundle = async (entry: string, outfile: string) => {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    plugins: require('../scripts/esbuild-plugins.cjs'),
    logLevel: 'silent',
  })
  return statSync(outfile).size
}

/** Time from a fresh node process's start of require() to its end, measured inside the child. */
const initTime = (file: string, env: Record<string, string>): number => {
  const probe =
    'const t=performance.now();require(process.argv[1]);process.stdout.write(String(performance.now()-t))'
  return Number(
    execFileSync(process.execPath, ['-e', probe, file], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    }),
  )
}

export const measureBundles = async (env: Record<string, string>, runs = 21) => {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-bench-'))
  const functions = readdirSync(join(REPO_ROOT, 'functions')).sort()
  const entries: [string, string][] = [
    ['baseline', join(REPO_ROOT, 'bench', 'baseline-handler.ts')],
    ...functions.map((f): [string, string] => [f, join(REPO_ROOT, 'functions', f, 'handler.ts')]),
  ]
  const built = []
  for (const [name, entry] of entries) {
    const file = join(dir, `${name}.js`)
    built.push({ name, file, size: await bundle(entry, file), init: [] as number[] })
  }
  // in rounds, every bundle once a round: a busy spell of the machine weighs on all of them alike
  for (let round = 0; round < runs; round++) for (const b of built) b.init.push(initTime(b.file, env))
  const results = built.map((b) => ({
    name: b.name,
    kb: b.size / 1024,
    p50: percentile(b.init, 50),
    p90: percentile(b.init, 90),
  }))
  const base = results[0] as (typeof results)[number]
  const rows = results.map((r) => {
    const sizeRatio = r.kb / base.kb
    const initRatio = r.p50 / base.p50
    return [
      r.name,
      fmt(r.kb, 0),
      fmt(sizeRatio),
      r.name === 'baseline' ? '' : verdict(sizeRatio <= 2.5),
      fmt(r.p50, 1),
      fmt(r.p90, 1),
      fmt(initRatio),
      r.name === 'baseline' ? '' : verdict(initRatio <= 2),
    ]
  })
  return {
    runs,
    /** cold init p50 by function, for the cost model */
    initMs: Object.fromEntries(results.map((r) => [r.name, r.p50])),
    markdown: table(
      ['function', 'bundle KB', '× baseline', '≤ 2.5×', 'init p50 ms', 'init p90 ms', '× baseline', '≤ 2×'],
      rows,
    ),
  }
}
