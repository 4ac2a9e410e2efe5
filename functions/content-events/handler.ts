import { applyDeliveries, concernsDelivery } from '../../lib/content/delivery.js'
import { streamFunction } from '../../lib/core/stream-function.js'

/** The table's stream: a published announcement reaches its members, a withdrawn one leaves them. */
export const handler = streamFunction({
  name: 'content-events',
  wants: concernsDelivery,
  partOf: (change) => change.pk,
  handle: applyDeliveries,
})
