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
  PutTransaction,
  QueryCommand,
  string,
} from 'dynamodb-toolbox'
import type { z } from 'zod'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import {
  type CatalogApp,
  type CatalogAppInput,
  CatalogAppSchema,
  editionSku,
  FIXED_PLAN_FIELDS,
  type Industry,
  IndustrySchema,
  type Plan,
  type PlanBody,
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

/**
 * Creates an edition with the sku that sells it, or changes one: its name, limits, base apps,
 * trial and whether it is still sold. What its tenants and orders rely on is fixed once it exists
 * (FIXED_PLAN_FIELDS); tenants keep the limits they copied until their edition changes, so a
 * change never puts one over its limits.
 */
export const putPlan = async (code: string, input: z.infer<typeof PlanBody>): Promise<Plan> => {
  const doc = PlanSchema.parse({ ...input, code })
  await checkKinds(doc.baseApps, ['built-in'], 'not a built-in app', 'body.baseApps')
  const existing = await getPlan(code)
  const fixed = FIXED_PLAN_FIELDS.filter((f) => existing && existing[f] !== doc[f])
  if (fixed.length > 0) {
    throw new AppError(
      'CONFLICT',
      `fixed once the edition exists: ${fixed.join(', ')}`,
      fixed.map((f) => ({ path: `body.${f}`, message: 'fixed once the edition exists' })),
    )
  }
  const put = (kind: Kind, key: string, value: unknown, exists: boolean) =>
    CatalogEntity.build(PutTransaction)
      .item({ kind, code: key, doc: value })
      .options({ condition: { attr: 'code', exists } })
  await transaction()
    .add('plan', put('PLAN', code, doc, existing !== undefined))
    // a new edition's sku code is its own: another's is refused
    .add('sku', put('SKU', doc.skuCode, editionSku(doc), existing !== undefined))
    .run({
      plan: () => new AppError('CONFLICT', 'the edition changed meanwhile; retry'),
      sku: () =>
        new AppError('CONFLICT', `${doc.skuCode} already sells something else`, [
          { path: 'body.skuCode', message: 'taken' },
        ]),
    })
  return doc
}

/**
 * The catalog apps named, checked to be of the kinds a list takes (an industry preinstalls
 * built-in and preinstalled apps; its store offers subscribed ones): the others name the field.
 */
const checkKinds = async (
  codes: string[],
  kinds: CatalogApp['kind'][],
  message: string,
  path = 'body.appIds',
) => {
  const found = await Promise.all(codes.map(getCatalogApp))
  const bad = codes.filter((_, i) => !found[i] || !kinds.includes((found[i] as CatalogApp).kind))
  if (bad.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${message}: ${bad.join(', ')}`,
      bad.map(() => ({ path, message })),
    )
  }
}

/** An industry's preinstalled apps: what every tenant it opens gets beyond its edition's. */
export const setPreinstalledApps = async (industry: Industry, appCodes: string[]): Promise<Industry> => {
  await checkKinds(appCodes, ['built-in', 'preinstalled'], 'unknown, or sold by subscription')
  const doc = IndustrySchema.parse({ ...industry, preinstalledApps: [...new Set(appCodes)] })
  await putOne('INDUSTRY', doc.code, doc)
  return doc
}

/** An industry's app store: the subscribed apps its tenants see and may order. */
export const setStoreApps = async (industry: Industry, appCodes: string[]): Promise<Industry> => {
  await checkKinds(appCodes, ['subscribed'], 'unknown, or not sold by subscription')
  const doc = IndustrySchema.parse({ ...industry, storeApps: [...new Set(appCodes)] })
  await putOne('INDUSTRY', doc.code, doc)
  return doc
}

/** Whether an industry's tenants may see and order a subscribed app. */
export const offeredTo = (industry: Industry | undefined, appCode: string) =>
  !industry?.storeApps || industry.storeApps.includes(appCode)

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
