import { BatchGetRequest } from 'dynamodb-toolbox'
import { type CatalogApp, type CatalogAppInput, CatalogAppSchema } from './app-schemas.js'
import { CatalogEntity, getOne, listKind, putOne } from './catalog-entity.js'

/*
 * The catalog's apps; the editions, industries and skus are in catalog.ts (their schemas are no
 * part of signing a member in to an app).
 */

export const listCatalogApps = (): Promise<CatalogApp[]> => listKind('APP', CatalogAppSchema)
export const getCatalogApp = (code: string): Promise<CatalogApp | undefined> =>
  getOne('APP', code, CatalogAppSchema)
/** A catalog app's read for a batch, and the app from what it returns. */
export const catalogAppRequest = (code: string) =>
  CatalogEntity.build(BatchGetRequest).key({ kind: 'APP', code })
export const catalogAppOf = (item: { doc?: unknown } | undefined): CatalogApp | undefined =>
  item ? CatalogAppSchema.parse(item.doc) : undefined

/** A catalog app, created or replaced by a system administrator (validated by its schema). */
export const putCatalogApp = async (app: CatalogAppInput): Promise<CatalogApp> => {
  const doc = CatalogAppSchema.parse(app)
  await putOne('APP', doc.code, doc)
  return doc
}
