import { type Entity, type FormattedItem, QueryCommand } from 'dynamodb-toolbox'
import * as z from 'zod'
import { AppError } from '../errors.js'
import { table } from './table.js'
import { type IndexName, TABLE } from './table-definition.js'

/** List query parameters shared by every paginated route. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
})

export const page = <T extends z.ZodType>(itemSchema: T) =>
  z.object({ items: z.array(itemSchema), nextCursor: z.string().optional() })

export interface Page<T> {
  items: T[]
  nextCursor?: string
}

type Key = Record<string, string>

/** An opaque cursor: the last evaluated key (or position), base64url JSON. */
export const encodeCursor = (key: Record<string, unknown> | undefined): string | undefined =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined

export const invalidCursor = () =>
  new AppError('VALIDATION_FAILED', 'invalid cursor', [{ path: 'query.cursor', message: 'invalid cursor' }])

/**
 * Decodes a cursor into exactly the attributes a list's position has, each a string, with the
 * values it must hold (`equals`) and the prefix its sort key must keep (`startsWith`). A cursor
 * forged, cut, or carried over from another list (another tenant's) is a 400, never a query
 * started somewhere else or a 500 from DynamoDB.
 */
export const decodeCursor = (
  cursor: string | undefined,
  shape: { equals?: Key; startsWith?: Key; present?: string[] },
): Key | undefined => {
  if (cursor === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalidCursor()
  }
  const key = z.record(z.string(), z.string().min(1).max(1024)).safeParse(parsed)
  if (!key.success) throw invalidCursor()
  const expected = new Set([
    ...Object.keys(shape.equals ?? {}),
    ...Object.keys(shape.startsWith ?? {}),
    ...(shape.present ?? []),
  ])
  const names = Object.keys(key.data)
  if (names.length !== expected.size || names.some((n) => !expected.has(n))) throw invalidCursor()
  for (const [k, v] of Object.entries(shape.equals ?? {})) if (key.data[k] !== v) throw invalidCursor()
  for (const [k, v] of Object.entries(shape.startsWith ?? {}))
    if (!(key.data[k] as string).startsWith(v)) throw invalidCursor()
  return key.data
}

export interface PageRequest {
  /** the partition listed: a table partition, or an index's with `index` */
  partition: string
  index?: IndexName
  /** the sort-key prefix of the listed items (the table's sort key, or the index's) */
  prefix?: string
  limit: number
  cursor?: string
  reverse?: boolean
  consistent?: boolean
}

/**
 * One page of one entity's items in a partition (optionally under a sort-key prefix), with a
 * cursor checked against the list's own key shape.
 */
export const queryPage = async <E extends Entity>(
  entity: E,
  request: PageRequest,
  filters?: Record<string, unknown>,
): Promise<Page<FormattedItem<E>>> => {
  const keys = request.index ? TABLE.indexes[request.index] : undefined
  const pk = keys?.partitionKey ?? TABLE.partitionKey
  const sk = keys?.sortKey ?? TABLE.sortKey
  const start = decodeCursor(request.cursor, {
    equals: { [pk]: request.partition },
    startsWith: { [sk]: request.prefix ?? '' },
    present: keys ? [TABLE.partitionKey, TABLE.sortKey] : [],
  })
  const { Items = [], LastEvaluatedKey } = await table
    .build(QueryCommand)
    .entities(entity)
    .query({
      partition: request.partition,
      ...(request.index ? { index: request.index } : {}),
      ...(request.prefix ? { range: { beginsWith: request.prefix } } : {}),
    } as never)
    .options({
      limit: request.limit,
      reverse: request.reverse,
      consistent: request.consistent,
      exclusiveStartKey: start,
      ...(filters ? { filters: { [entity.entityName]: filters } } : {}),
    } as never)
    .send()
  return { items: Items as FormattedItem<E>[], nextCursor: encodeCursor(LastEvaluatedKey) }
}

/** Every item of one entity under a prefix, across pages (for sets bounded by a tenant's size). */
export const queryAll = async <E extends Entity>(
  entity: E,
  request: Omit<PageRequest, 'limit' | 'cursor'>,
): Promise<FormattedItem<E>[]> => {
  const items: FormattedItem<E>[] = []
  let cursor: string | undefined
  do {
    const next = await queryPage(entity, { ...request, limit: 1000, cursor })
    items.push(...next.items)
    cursor = next.nextCursor
  } while (cursor)
  return items
}

/** A page of a set of ids held in memory (an intersection of filters): the cursor is the last id. */
export const pageOfSortedIds = (ids: string[], cursor?: string) => {
  const sorted = [...new Set(ids)].sort()
  let at = 0
  if (cursor !== undefined) {
    const after = decodeCursor(cursor, { present: ['after'] })?.after as string
    at = sorted.findIndex((id) => id > after)
    if (at < 0) at = sorted.length
  }
  return {
    ids: sorted.slice(at),
    /** the cursor after the last id actually used */
    cursorAfter: (lastUsed: string | undefined) =>
      lastUsed !== undefined && sorted.indexOf(lastUsed) < sorted.length - 1
        ? encodeCursor({ after: lastUsed })
        : undefined,
  }
}
