import type { Context } from 'aws-lambda'
import { recordFunction } from './aws-command-log.js'
import { config } from './config.js'
import { errorSite, log, withLogContext } from './log.js'
import { configureMetrics, flushMetrics } from './metrics.js'

/** A scheduled job: one log context per run (its correlation id is the invocation's request id). */
export const scheduledFunction = <T>(name: string, run: () => Promise<T>) => {
  config()
  configureMetrics(name)
  recordFunction(name)
  return (_event: unknown, context?: Context): Promise<T> =>
    withLogContext({ fn: name, correlationId: context?.awsRequestId ?? `run-${Date.now()}` }, async () => {
      try {
        return await run()
      } catch (err) {
        log.error('run failed', errorSite(err))
        throw err
      } finally {
        flushMetrics()
      }
    })
}
