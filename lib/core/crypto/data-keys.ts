import {
  ConditionCheck,
  DeleteTransaction,
  Entity,
  GetItemCommand,
  item,
  PutItemCommand,
  PutTransaction,
  string,
} from 'dynamodb-toolbox'
import { containerState } from '../aws-command-log.js'
import { tenantPartition } from '../db/keys.js'
import { table } from '../db/table.js'
import { FieldCipher } from './field-cipher.js'
import { keyWrapper } from './key-wrapper.js'

/** The wrapped data key of one scope: a tenant, or the platform (account-level data). */
export const DataKeyEntity = new Entity({
  name: 'DataKey',
  table,
  timestamps: false,
  schema: item({
    scope: string().key(),
    wrapped: string(),
  }),
  computeKey: ({ scope }: { scope: string }) => ({ PK: scope, SK: 'DATAKEY' }),
})

export const PLATFORM_SCOPE = 'PLATFORM'
export const tenantScope = (tenantId: string): string => tenantPartition(tenantId)

const cache = containerState(() => new Map<string, FieldCipher>())
const MAX_CACHED = 500

const remember = (scope: string, cipher: FieldCipher): FieldCipher => {
  const ciphers = cache.current()
  if (ciphers.size >= MAX_CACHED) ciphers.delete(ciphers.keys().next().value as string)
  ciphers.set(scope, cipher)
  return cipher
}

/** A new data key for a scope, as a transaction item so it is written with what it protects. */
export const newDataKey = async (scope: string) => {
  const { plaintext, wrapped } = await keyWrapper().generate(scope)
  const cipher = new FieldCipher(plaintext)
  return {
    cipher,
    put: DataKeyEntity.build(PutTransaction)
      .item({ scope, wrapped })
      .options({ condition: { attr: 'scope', exists: false } }),
    commit: () => remember(scope, cipher),
  }
}

/** The cipher of a scope: one GetItem and one unwrap per container, then memory. */
export const cipherFor = async (scope: string): Promise<FieldCipher | undefined> => {
  const cached = cache.current().get(scope)
  if (cached) return cached
  const { Item } = await DataKeyEntity.build(GetItemCommand)
    .key({ scope })
    .options({ consistent: true })
    .send()
  if (!Item) return undefined
  return remember(scope, new FieldCipher(await keyWrapper().unwrap(Item.wrapped, scope)))
}

/** The platform's cipher, created on first use; a concurrent creator's key wins the condition. */
export const platformCipher = async (): Promise<FieldCipher> => {
  const existing = await cipherFor(PLATFORM_SCOPE)
  if (existing) return existing
  const { plaintext, wrapped } = await keyWrapper().generate(PLATFORM_SCOPE)
  try {
    await DataKeyEntity.build(PutItemCommand)
      .item({ scope: PLATFORM_SCOPE, wrapped })
      .options({ condition: { attr: 'scope', exists: false } })
      .send()
    return remember(PLATFORM_SCOPE, new FieldCipher(plaintext))
  } catch (err) {
    if ((err as Error).name !== 'ConditionalCheckFailedException') throw err
    return (await cipherFor(PLATFORM_SCOPE)) as FieldCipher
  }
}

/** Crypto-shredding: once the wrapped key is gone, the scope's ciphertexts are unreadable. */
export const destroyDataKey = (scope: string) => {
  cache.current().delete(scope)
  return DataKeyEntity.build(DeleteTransaction).key({ scope })
}

export const dataKeyExists = (scope: string) =>
  DataKeyEntity.build(ConditionCheck).key({ scope }).condition({ attr: 'scope', exists: true })

export const forgetCiphers = (): void => {
  for (const ciphers of cache.all()) ciphers.clear()
}
