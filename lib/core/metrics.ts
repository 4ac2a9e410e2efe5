import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'

/**
 * Business metrics as CloudWatch EMF lines (Powertools): counts only, never who. One instance per
 * container, named for the function; stored counts are flushed when an invocation ends.
 */
export type MetricName =
  | 'LoginSucceeded'
  | 'LoginFailed'
  | 'LoginThrottled'
  | 'SeatRefused'
  | 'TenantOpened'
  | 'TenantFrozen'
  | 'TenantReleased'
  | 'TenantRestored'
  | 'MarketplaceCall'

let metrics: Metrics | undefined
let service = 'atrium'

/** Names the function the metrics come from (call once, when the handler is built). */
export const configureMetrics = (serviceName: string): void => {
  service = serviceName
  metrics = undefined
}

const instance = (): Metrics => {
  metrics ??= new Metrics({ namespace: 'Atrium', serviceName: service })
  return metrics
}

/** Counts one event; dimensions (a result code, a market) make a metric of their own. */
export const count = (name: MetricName, dimensions: Record<string, string> = {}): void => {
  if (Object.keys(dimensions).length === 0) {
    instance().addMetric(name, MetricUnit.Count, 1)
    return
  }
  const single = instance().singleMetric()
  for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v)
  single.addMetric(name, MetricUnit.Count, 1)
}

export const flushMetrics = (): void => {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics()
}
