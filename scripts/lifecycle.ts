import { localEnv } from './local/env.js'
import { DEFAULT_MASTER_KEY_FILE } from './local/master-key.js'

/**
 * `npm run lifecycle [-- --days N]`: one run of the scheduled lifecycle against the local stack
 * (`npm start` must be running). `--days N` runs it as if N days had passed, to see expiry,
 * reminders, release and purge without waiting.
 */
const main = async () => {
  const daysFlag = process.argv.indexOf('--days')
  const days = daysFlag >= 0 ? Number(process.argv[daysFlag + 1]) : 0
  if (!Number.isFinite(days)) throw new Error('--days takes a number')
  Object.assign(
    process.env,
    localEnv({
      endpoint: `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`,
      tableName: 'atrium-local',
      masterKeyFile: DEFAULT_MASTER_KEY_FILE,
    }),
  )
  const { advanceClock } = await import('../lib/core/clock.js')
  const { runLifecycle } = await import('../lib/lifecycle/run.js')
  advanceClock(days * 86_400_000)
  const report = await runLifecycle()
  console.log(JSON.stringify(report, null, 2))
}

main().catch((err) => {
  console.error(`lifecycle run failed: ${(err as Error).message}`)
  process.exit(1)
})
