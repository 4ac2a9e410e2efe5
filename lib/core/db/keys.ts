/**
 * Partition keys of tenant data, built in one place: a tenant's items live under `T#<tenantId>`,
 * and its index partitions (name search, login log, …) begin with the same prefix, so one tenant's
 * data is one key range and the tenant is visible in every key.
 */
export const tenantPartition = (tenantId: string): string => `T#${tenantId}`

/** An index partition of one tenant: `T#<tenantId>#<kind>[#<part>…]`. */
export const tenantIndexPartition = (tenantId: string, kind: string, ...parts: string[]): string =>
  [tenantPartition(tenantId), kind, ...parts].join('#')
