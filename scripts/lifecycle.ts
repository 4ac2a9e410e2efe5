import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb'
import { localClient } from './local/dynamodb-local.js'
import { DEFAULT_PORTS, LOCAL_TABLE_NAME, localEnv, runningStackPort } from './local/env.js'
import { DEFAULT_MASTER_KEY_FILE } from './local/master-key.js'

/**
 * `npm run lifecycle [-- --days N]`: one run of the scheduled lifecycle against the local stack
 * (`npm start` must be running; this uses its DynamoDB Local, on DYNAMODB_PORT as npm start does).
 * `--days N` runs it as if N days had passed, to see expiry, reminders, release and purge without
 * waiting.
 */
const SETTING = `DYNAMODB_PORT (default ${DEFAULT_PORTS.DYNAMODB_PORT})`

/** Says plainly when npm start's DynamoDB Local or its table is not where we look. */
const checkLocalTable = async (endpoint: string) => {
  const client = localClient(endpoint)
  try {
    await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
      throw new Error(
        `nothing listens on ${endpoint}: start the local stack first (npm start), with the same ${SETTING}`,
      )
    }
    if (err instanceof ResourceNotFoundException) {
      throw new Error(
        `the DynamoDB on ${endpoint} has no table ${LOCAL_TABLE_NAME}: is it npm start's? (${SETTING})`,
      )
    }
    throw err
  } finally {
    client.destroy()
  }
}

const main = async () => {
  const daysFlag = process.argv.indexOf('--days')
  const days = daysFlag >= 0 ? Number(process.argv[daysFlag + 1]) : 0
  if (!Number.isFinite(days)) throw new Error('--days takes a number')
  const endpoint = `http://127.0.0.1:${runningStackPort('DYNAMODB_PORT')}`
  await checkLocalTable(endpoint)
  Object.assign(
    process.env,
    localEnv({ endpoint, tableName: LOCAL_TABLE_NAME, masterKeyFile: DEFAULT_MASTER_KEY_FILE }),
  )
  // composed as in the lifecycle function
  await import('../lib/capabilities.js')
  await import('../lib/capability-jobs.js')
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
