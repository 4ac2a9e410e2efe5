import { streamFunction } from '../../lib/core/stream-function.js'
import { concernsProvisioning, provisioningChanges, tenantOfChange } from '../../lib/provisioning/changes.js'

/** The table's stream: what a provider hears of becomes deliveries on its app's queue. */
export const handler = streamFunction({
  name: 'provisioning-changes',
  wants: concernsProvisioning,
  partOf: (change) => tenantOfChange(change) as string,
  handle: provisioningChanges,
})
