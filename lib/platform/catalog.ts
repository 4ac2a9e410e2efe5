import { BatchPutRequest, BatchWriteCommand, executeBatchWrite, PutTransaction } from 'dynamodb-toolbox'
import type { z } from 'zod'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import type { CatalogApp, CatalogAppInput } from './app-schemas.js'
import { getCatalogApp } from './catalog-apps.js'
import { CatalogEntity, type CatalogKind, getOne, listKind, putOne } from './catalog-entity.js'
import {
  editionSku,
  FIXED_PLAN_FIELDS,
  type Industry,
  type IndustryBody,
  IndustrySchema,
  type Plan,
  type PlanBody,
  PlanSchema,
  type Sku,
  SkuSchema,
} from './schemas.js'

export const listPlans = (): Promise<Plan[]> => listKind('PLAN', PlanSchema)
export const getPlan = (code: string): Promise<Plan | undefined> => getOne('PLAN', code, PlanSchema)
export const listIndustries = (): Promise<Industry[]> => listKind('INDUSTRY', IndustrySchema)
export const getIndustry = (code: string): Promise<Industry | undefined> =>
  getOne('INDUSTRY', code, IndustrySchema)
export const getSku = (skuCode: string): Promise<Sku | undefined> => getOne('SKU', skuCode, SkuSchema)
export const listSkus = (): Promise<Sku[]> => listKind('SKU', SkuSchema)

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
  const put = (kind: CatalogKind, key: string, value: unknown, exists: boolean) =>
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

/**
 * Adds an industry, or renames one; its app lists change only when given (a new one starts with
 * none preinstalled and every subscribed app in its store).
 */
export const putIndustry = async (code: string, input: z.infer<typeof IndustryBody>): Promise<Industry> => {
  const existing = await getIndustry(code)
  const preinstalledApps = [...new Set(input.preinstalledApps ?? existing?.preinstalledApps ?? [])]
  const storeApps = input.storeApps ? [...new Set(input.storeApps)] : existing?.storeApps
  await Promise.all([
    checkKinds(
      preinstalledApps,
      ['built-in', 'preinstalled'],
      'unknown, or sold by subscription',
      'body.preinstalledApps',
    ),
    checkKinds(storeApps ?? [], ['subscribed'], 'unknown, or not sold by subscription', 'body.storeApps'),
  ])
  const doc = IndustrySchema.parse({ code, name: input.name, preinstalledApps, storeApps })
  await putOne('INDUSTRY', code, doc)
  return doc
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
