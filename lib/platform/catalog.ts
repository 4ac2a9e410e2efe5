import {
  any,
  BatchGetRequest,
  BatchPutRequest,
  BatchWriteCommand,
  Entity,
  executeBatchWrite,
  GetItemCommand,
  item,
  PutItemCommand,
  QueryCommand,
  string,
} from 'dynamodb-toolbox'
import type { z } from 'zod'
import { table } from '../core/db/table.js'
import {
  type CatalogApp,
  type CatalogAppInput,
  CatalogAppSchema,
  type Industry,
  IndustrySchema,
  type Plan,
  PlanSchema,
  type Sku,
  SkuSchema,
} from './schemas.js'

/**
 * Platform reference data (plans, industries, the app catalog) as one entity: a partition per
 * kind, an item per code, the document validated by its zod schema on the way in and out.
 */
const CatalogEntity = new Entity({
  name: 'Catalog',
  table,
  timestamps: false,
  schema: item({ kind: string().key(), code: string().key(), doc: any() }),
  computeKey: ({ kind, code }: { kind: string; code: string }) => ({ PK: `CATALOG#${kind}`, SK: code }),
})

type Kind = 'PLAN' | 'INDUSTRY' | 'APP' | 'SKU'
const SCHEMAS = { PLAN: PlanSchema, INDUSTRY: IndustrySchema, APP: CatalogAppSchema, SKU: SkuSchema } as const
type Doc<K extends Kind> = z.infer<(typeof SCHEMAS)[K]>

const listKind = async <K extends Kind>(kind: K): Promise<Doc<K>[]> => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(CatalogEntity)
    .query({ partition: `CATALOG#${kind}` })
    .send()
  return Items.map((i) => SCHEMAS[kind].parse(i.doc) as Doc<K>)
}

const getOne = async <K extends Kind>(kind: K, code: string): Promise<Doc<K> | undefined> => {
  const { Item } = await CatalogEntity.build(GetItemCommand).key({ kind, code }).send()
  return Item ? (SCHEMAS[kind].parse(Item.doc) as Doc<K>) : undefined
}

export const listPlans = (): Promise<Plan[]> => listKind('PLAN')
export const getPlan = (code: string): Promise<Plan | undefined> => getOne('PLAN', code)
export const listIndustries = (): Promise<Industry[]> => listKind('INDUSTRY')
export const getIndustry = (code: string): Promise<Industry | undefined> => getOne('INDUSTRY', code)
export const listCatalogApps = (): Promise<CatalogApp[]> => listKind('APP')
export const getCatalogApp = (code: string): Promise<CatalogApp | undefined> => getOne('APP', code)
/** A catalog app's read for a batch, and the app from what it returns. */
export const catalogAppRequest = (code: string) =>
  CatalogEntity.build(BatchGetRequest).key({ kind: 'APP', code })
export const catalogAppOf = (item: { doc?: unknown } | undefined): CatalogApp | undefined =>
  item ? CatalogAppSchema.parse(item.doc) : undefined
export const getSku = (skuCode: string): Promise<Sku | undefined> => getOne('SKU', skuCode)
export const listSkus = (): Promise<Sku[]> => listKind('SKU')

const putOne = async (kind: Kind, code: string, doc: unknown) => {
  await CatalogEntity.build(PutItemCommand).item({ kind, code, doc }).send()
}

/** A catalog app, created or replaced by a system administrator (validated by its schema). */
export const putCatalogApp = async (app: CatalogAppInput): Promise<CatalogApp> => {
  const doc = CatalogAppSchema.parse(app)
  await putOne('APP', doc.code, doc)
  return doc
}

/** An industry's preinstalled apps: what every tenant it opens gets beyond its edition's. */
export const setPreinstalledApps = async (industry: Industry, appCodes: string[]): Promise<Industry> => {
  const doc = IndustrySchema.parse({ ...industry, preinstalledApps: [...new Set(appCodes)] })
  await putOne('INDUSTRY', doc.code, doc)
  return doc
}

/** Idempotent upsert of the reference data (the seed runs on every local start). */
export const putCatalog = async (docs: {
  plans: Plan[]
  industries: Industry[]
  apps: CatalogAppInput[]
  skus: Sku[]
}) => {
  const requests = [
    ...docs.plans.map((doc) => ({ kind: 'PLAN', code: doc.code, doc })),
    ...docs.industries.map((doc) => ({ kind: 'INDUSTRY', code: doc.code, doc })),
    ...docs.apps.map((doc) => ({ kind: 'APP', code: doc.code, doc })),
    ...docs.skus.map((doc) => ({ kind: 'SKU', code: doc.skuCode, doc })),
  ].map((i) => CatalogEntity.build(BatchPutRequest).item(i))
  for (let i = 0; i < requests.length; i += 25) {
    await executeBatchWrite(table.build(BatchWriteCommand).requests(...requests.slice(i, i + 25)))
  }
}
