import { BatchGetRequest, GetItemCommand, PutTransaction } from 'dynamodb-toolbox'
import * as z from 'zod'
import { retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { NewsCategoriesEntity } from './entities.js'
import { type ContentLevel, levelPartition } from './levels.js'
import { commitWrite, type Publisher } from './publisher.js'
import { type Category, type CategoryBody, type CategoryPatch, CategorySchema } from './schemas.js'

export const MAX_CATEGORIES = 50

const Stored = z.array(z.unknown())

/** A level's categories from its item, each only if it still passes its schema, in display order. */
export const categoriesOf = (item: { categories?: unknown } | undefined): Category[] => {
  try {
    const raw = Stored.safeParse(JSON.parse(String(item?.categories ?? '[]')))
    const all = (raw.success ? raw.data : []).flatMap((c) => {
      const parsed = CategorySchema.safeParse(c)
      return parsed.success ? [parsed.data] : []
    })
    return all.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
  } catch {
    return []
  }
}

export const categoriesRequest = (level: ContentLevel) =>
  NewsCategoriesEntity.build(BatchGetRequest).key({ owner: levelPartition(level) })

const read = async (level: ContentLevel) => {
  const { Item } = await NewsCategoriesEntity.build(GetItemCommand)
    .key({ owner: levelPartition(level) })
    .options({ consistent: true })
    .send()
  return { categories: categoriesOf(Item), version: Item?.version ?? 0 }
}

export const listCategories = async (level: ContentLevel) => (await read(level)).categories

/** A category of the level (for a news item naming it), or a 400 on the field that named it. */
export const requireCategory = async (level: ContentLevel, categoryId: string): Promise<Category> => {
  const found = (await read(level)).categories.find((c) => c.categoryId === categoryId)
  if (!found) {
    throw new AppError('VALIDATION_FAILED', 'no such category', [
      { path: 'body.categoryId', message: 'no such category at this level' },
    ])
  }
  return found
}

/** Only a tenant's categories may narrow who sees them: the platform and industries reach everyone they reach. */
const checkVisibility = (level: ContentLevel, c: Pick<Category, 'visibility'>) => {
  if (level.level !== 'tenant' && c.visibility.to !== 'everyone') {
    throw new AppError('VALIDATION_FAILED', 'this level reaches everyone it reaches', [
      {
        path: 'body.visibility',
        message: 'only a tenant narrows a category to departments, groups or roles',
      },
    ])
  }
}

/**
 * Rewrites the level's category list, conditioned on the version read (a concurrent change makes
 * this one read again), with the audit entry of a tenant's change.
 */
const change = (
  p: Publisher,
  action: string,
  edit: (categories: Category[]) => { categories: Category[]; target: Category },
) =>
  retryOnConflict(async () => {
    const { categories, version } = await read(p.level)
    const next = edit(categories)
    const write = NewsCategoriesEntity.build(PutTransaction)
      .item({
        owner: levelPartition(p.level),
        categories: JSON.stringify(next.categories),
        version: version + 1,
      })
      .options({
        condition: version === 0 ? { attr: 'version', exists: false } : { attr: 'version', eq: version },
      })
    try {
      await commitWrite(p, transaction().add('categories', write), action, next.target.categoryId)
    } catch (err) {
      if (err instanceof ConditionsFailed) throw new StaleRead('categories changed')
      throw err
    }
    return next.target
  })

export const createCategory = (p: Publisher, input: z.output<typeof CategoryBody>) => {
  checkVisibility(p.level, input)
  return change(p, 'news-category.created', (categories) => {
    if (categories.length >= MAX_CATEGORIES) {
      throw new AppError('PLAN_LIMIT_EXCEEDED', `at most ${MAX_CATEGORIES} news categories a level`)
    }
    const target = { categoryId: newId(), ...input }
    return { categories: [...categories, target], target }
  })
}

export const updateCategory = (p: Publisher, categoryId: string, input: z.output<typeof CategoryPatch>) =>
  change(p, 'news-category.updated', (categories) => {
    const old = categories.find((c) => c.categoryId === categoryId)
    if (!old) throw notFound('category')
    const target = { ...old, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) }
    checkVisibility(p.level, target)
    return { categories: categories.map((c) => (c.categoryId === categoryId ? target : c)), target }
  })

/** Deletes a category: its news stays for its admins, and no member sees it until moved to another. */
export const deleteCategory = (p: Publisher, categoryId: string) =>
  change(p, 'news-category.deleted', (categories) => {
    const target = categories.find((c) => c.categoryId === categoryId)
    if (!target) throw notFound('category')
    return { categories: categories.filter((c) => c.categoryId !== categoryId), target }
  })
