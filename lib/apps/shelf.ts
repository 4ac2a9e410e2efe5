import {
  $remove,
  $set,
  BatchGetRequest,
  ConditionCheck,
  Entity,
  GetItemCommand,
  item,
  map,
  number,
  PutItemCommand,
  record,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'

/** A workbench shows at most this many app groups (they are shelves, not folders). */
export const MAX_APP_GROUPS = 100

/**
 * The workbench's app groups, all in one item: a member's app list reads them in the same batch
 * as the apps themselves, whichever groups those apps sit in.
 */
const AppShelfEntity = new Entity({
  name: 'AppShelf',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    groups: record(string(), map({ name: string(), order: number() })).optional(),
  }),
  computeKey: ({ tenantId }: { tenantId: string }) => ({ PK: tenantPartition(tenantId), SK: 'APPSHELF' }),
})

export interface AppGroup {
  groupId: string
  name: string
  order: number
}

/** The groups of a shelf item as read, in display order. */
export const groupsOf = (shelf: { groups?: Record<string, { name: string; order: number }> } | undefined) =>
  Object.entries(shelf?.groups ?? {})
    .map(([groupId, g]): AppGroup => ({ groupId, name: g.name, order: g.order }))
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))

export const shelfRequest = (tenantId: string) => AppShelfEntity.build(BatchGetRequest).key({ tenantId })

export const listAppGroups = async ({ tenantId }: TenantScope) => {
  const { Item } = await AppShelfEntity.build(GetItemCommand)
    .key({ tenantId })
    .options({ consistent: true })
    .send()
  return { items: groupsOf(Item) }
}

/** A transaction item that only checks the group is on the shelf. */
export const appGroupExists = (tenantId: string, groupId: string) =>
  AppShelfEntity.build(ConditionCheck)
    .key({ tenantId })
    .condition({ attr: `groups.${groupId}`, exists: true } as never)

/** The shelf's first group needs the item (a nested path cannot be set on a missing map). */
const ensureShelf = async (tenantId: string) => {
  try {
    await AppShelfEntity.build(PutItemCommand)
      .item({ tenantId, groups: {} })
      .options({ condition: { attr: 'tenantId', exists: false } })
      .send()
  } catch (err) {
    if (!isConditionFailure(err)) throw err
  }
}

const groupAudit = (ctx: TenantContext, action: string, groupId: string) =>
  auditWrite(ctx, { actorId: ctx.actor.accountId, action: `app-group.${action}`, targetId: groupId })

export const createAppGroup = async (ctx: TenantContext, input: { name: string; order?: number }) => {
  const group: AppGroup = { groupId: newId(), name: input.name, order: input.order ?? 0 }
  await ensureShelf(ctx.tenantId)
  await transaction()
    .add(
      'shelf',
      AppShelfEntity.build(UpdateTransaction)
        .item({
          tenantId: ctx.tenantId,
          groups: { [group.groupId]: $set({ name: group.name, order: group.order }) },
        })
        .options({ condition: { size: 'groups', lt: MAX_APP_GROUPS } }),
    )
    .add('audit', groupAudit(ctx, 'created', group.groupId))
    .run({
      shelf: () => new AppError('INVALID_STATE', `a workbench has at most ${MAX_APP_GROUPS} app groups`),
    })
  return group
}

export const updateAppGroup = async (
  ctx: TenantContext,
  groupId: string,
  input: { name: string; order?: number },
) => {
  await transaction()
    .add(
      'shelf',
      AppShelfEntity.build(UpdateTransaction)
        .item({
          tenantId: ctx.tenantId,
          groups: {
            [groupId]: { name: input.name, ...(input.order !== undefined ? { order: input.order } : {}) },
          },
        })
        .options({ condition: { attr: `groups.${groupId}`, exists: true } as never }),
    )
    .add('audit', groupAudit(ctx, 'updated', groupId))
    .run({ shelf: () => notFound('app group') })
  const group = (await listAppGroups(ctx)).items.find((g) => g.groupId === groupId)
  if (!group) throw notFound('app group')
  return group
}

/** Deleting a group leaves its apps on the workbench, outside any group. */
export const deleteAppGroup = async (ctx: TenantContext, groupId: string) => {
  await transaction()
    .add(
      'shelf',
      AppShelfEntity.build(UpdateTransaction)
        .item({ tenantId: ctx.tenantId, groups: { [groupId]: $remove() } })
        .options({ condition: { attr: `groups.${groupId}`, exists: true } as never }),
    )
    .add('audit', groupAudit(ctx, 'deleted', groupId))
    .run({ shelf: () => notFound('app group') })
}
