import { applyAccessChanges, concernsAccess, tenantOfChange } from '../../lib/access/directory-events.js'
import { streamFunction } from '../../lib/core/stream-function.js'

/** The table's stream: directory changes reach who may use which app, tenant by tenant. */
export const handler = streamFunction({
  name: 'access-events',
  wants: concernsAccess,
  partOf: (change) => tenantOfChange(change) as string,
  handle: applyAccessChanges,
})
