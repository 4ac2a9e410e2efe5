/**
 * The single table, described once. CDK (infra/), the local table script, the tests and the
 * data-access layer all read this object, so the key schema cannot drift between them.
 */
export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  ttlAttribute: 'expiresAtEpoch',
  indexes: {
    /** Overloaded: an account's memberships and refresh families; tenants by industry. */
    GSI1: { partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    /** Overloaded: all tenants by status; a tenant's login log. */
    GSI2: { partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
    /** Sparse: only items with due work (expiry, retention end, reminders) carry DUEPK/DUESK. */
    ByDue: { partitionKey: 'DUEPK', sortKey: 'DUESK' },
  },
} as const

export type IndexName = keyof typeof TABLE.indexes

/** Every key attribute is a string; this list feeds AttributeDefinitions. */
export const keyAttributes = (): string[] => [
  TABLE.partitionKey,
  TABLE.sortKey,
  ...Object.values(TABLE.indexes).flatMap((i) => [i.partitionKey, i.sortKey]),
]
