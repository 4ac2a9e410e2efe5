import { GetItemCommand, PutItemCommand } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { notFound } from '../core/errors.js'
import { log } from '../core/log.js'
import { ContentPageEntity } from './entities.js'
import type { RichText } from './rich-text.js'
import { renderRichText, storedRichText } from './rich-text.js'

/** The personal centre's pages the system admin maintains (product introduction, user guide), by slug. */
export const putPage = async (slug: string, input: { title: string; body: RichText }, actorId: string) => {
  const updatedAt = nowIso()
  await ContentPageEntity.build(PutItemCommand)
    .item({ slug, title: input.title, body: JSON.stringify(input.body), updatedAt, updatedBy: actorId })
    .send()
  log.info('page updated', { slug, actorId })
  return { slug, title: input.title, body: input.body, html: renderRichText(input.body), updatedAt }
}

export const getPage = async (slug: string) => {
  const { Item } = await ContentPageEntity.build(GetItemCommand).key({ slug }).send()
  if (!Item) throw notFound('page')
  const body = storedRichText(Item.body)
  return { slug, title: Item.title, body, html: renderRichText(body), updatedAt: Item.updatedAt }
}

/** A page's first text, unless it has one: the seed runs again, never undoing the system admin's edit. */
export const seedPage = async (slug: string, input: { title: string; body: RichText }) => {
  try {
    await ContentPageEntity.build(PutItemCommand)
      .item({
        slug,
        title: input.title,
        body: JSON.stringify(input.body),
        updatedAt: nowIso(),
        updatedBy: 'seed',
      })
      .options({ condition: { attr: 'slug', exists: false } })
      .send()
  } catch (err) {
    if (!isConditionFailure(err)) throw err
  }
}
