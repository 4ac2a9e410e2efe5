import { Table } from 'dynamodb-toolbox'
import { config } from '../config.js'
import { getDocumentClient } from './client.js'
import { TABLE } from './table-definition.js'

const index = (name: keyof typeof TABLE.indexes) => ({
  type: 'global' as const,
  partitionKey: { name: TABLE.indexes[name].partitionKey, type: 'string' as const },
  sortKey: { name: TABLE.indexes[name].sortKey, type: 'string' as const },
})

/** The toolbox view of the single table; name and client are resolved lazily from config. */
export const table = new Table({
  name: () => config().ATRIUM_TABLE_NAME,
  partitionKey: { name: TABLE.partitionKey, type: 'string' },
  sortKey: { name: TABLE.sortKey, type: 'string' },
  indexes: { GSI1: index('GSI1'), GSI2: index('GSI2'), ByDue: index('ByDue') },
})

// The document client needs config, which tests set after import; attach it on first access.
Object.defineProperty(table, 'documentClient', {
  get: () => getDocumentClient(),
  set: () => undefined,
  configurable: true,
})
