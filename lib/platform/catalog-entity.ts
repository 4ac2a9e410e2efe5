import { any, Entity, GetItemCommand, item, PutItemCommand, QueryCommand, string } from 'dynamodb-toolbox'
import type { z } from 'zod'
import { table } from '../core/db/table.js'

/**
 * Platform reference data (plans, industries, the app catalog) as one entity: a partition per
 * kind, an item per code, the document validated by its zod schema on the way in and out.
 */
export const CatalogEntity = new Entity({
  name: 'Catalog',
  table,
  timestamps: false,
  schema: item({ kind: string().key(), code: string().key(), doc: any() }),
  computeKey: ({ kind, code }: { kind: string; code: string }) => ({ PK: `CATALOG#${kind}`, SK: code }),
})

export type CatalogKind = 'PLAN' | 'INDUSTRY' | 'APP' | 'SKU'

export const listKind = async <S extends z.ZodType>(kind: CatalogKind, schema: S): Promise<z.output<S>[]> => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(CatalogEntity)
    .query({ partition: `CATALOG#${kind}` })
    .send()
  return Items.map((i) => schema.parse(i.doc))
}

export const getOne = async <S extends z.ZodType>(
  kind: CatalogKind,
  code: string,
  schema: S,
): Promise<z.output<S> | undefined> => {
  const { Item } = await CatalogEntity.build(GetItemCommand).key({ kind, code }).send()
  return Item ? schema.parse(Item.doc) : undefined
}

export const putOne = async (kind: CatalogKind, code: string, doc: unknown) => {
  await CatalogEntity.build(PutItemCommand).item({ kind, code, doc }).send()
}
