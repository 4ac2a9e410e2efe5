import {
  $add,
  ConditionCheck,
  DeleteTransaction,
  Entity,
  GetItemCommand,
  item,
  number,
  PutTransaction,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { batchGet } from '../core/db/batch-get.js'
import { retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { type Page, queryAll, queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { updateMembership } from '../identity/accounts.js'

/** A user group: a named set of members across departments. */
const GroupEntity = new Entity({
  name: 'Group',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), groupId: string().key(), name: string(), memberCount: number() }),
  computeKey: ({ tenantId, groupId }: { tenantId: string; groupId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `GROUP#${groupId}`,
  }),
})

/** One membership, kept in both directions: the group's members, and a member's groups. */
const GroupMemberEntity = new Entity({
  name: 'GroupMember',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    groupId: string().key(),
    memberId: string().key(),
    side: string().key(),
  }),
  computeKey: ({
    tenantId,
    groupId,
    memberId,
    side,
  }: {
    tenantId: string
    groupId: string
    memberId: string
    side: string
  }) => ({
    PK: tenantPartition(tenantId),
    SK: side === 'group' ? `GMEMBER#${groupId}#${memberId}` : `MGROUP#${memberId}#${groupId}`,
  }),
})

const pair = (
  { tenantId }: TenantScope,
  groupId: string,
  memberId: string,
  op: 'put' | 'delete',
): WriteItem[] =>
  (['group', 'member'] as const).map((side) =>
    op === 'put'
      ? GroupMemberEntity.build(PutTransaction)
          .item({ tenantId, groupId, memberId, side })
          .options({ condition: { attr: 'memberId', exists: false } })
      : GroupMemberEntity.build(DeleteTransaction)
          .key({ tenantId, groupId, memberId, side })
          .options({ condition: { attr: 'memberId', exists: true } }),
  )

/** The member's own count of groups, kept with each group place so their removal sees them all. */
const memberGroupCount = ({ tenantId }: TenantScope, memberId: string, delta: number) =>
  updateMembership({ realm: 'tenant', ctx: tenantId, accountId: memberId }, { groupCount: $add(delta) })

const groupCountWrite = ({ tenantId }: TenantScope, groupId: string, delta: number, condition: object) =>
  GroupEntity.build(UpdateTransaction)
    .item({ tenantId, groupId, memberCount: $add(delta) })
    .options({ condition: condition as never })

const view = ({ groupId, name, memberCount }: { groupId: string; name: string; memberCount: number }) => ({
  groupId,
  name,
  memberCount,
})

export const listGroups = async (scope: TenantScope, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(GroupEntity, {
    partition: tenantPartition(scope.tenantId),
    prefix: 'GROUP#',
    limit,
    cursor,
  })
  return { items: items.map(view), nextCursor }
}

/** A transaction item that only checks a group exists (a rule that names it). */
export const groupExists = ({ tenantId }: TenantScope, groupId: string) =>
  GroupEntity.build(ConditionCheck).key({ tenantId, groupId }).condition({ attr: 'groupId', exists: true })

/** Groups by id, those that exist (a rule may name one deleted since). */
export const getGroups = async ({ tenantId }: TenantScope, groupIds: string[]) =>
  (
    await batchGet(
      GroupEntity,
      groupIds.map((groupId) => ({ tenantId, groupId })),
      { consistent: true },
    )
  )
    .filter((g) => g !== undefined)
    .map(view)

export const getGroup = async ({ tenantId }: TenantScope, groupId: string) => {
  const { Item } = await GroupEntity.build(GetItemCommand)
    .key({ tenantId, groupId })
    .options({ consistent: true })
    .send()
  if (!Item) throw notFound('group')
  return view(Item)
}

export const createGroup = async (ctx: TenantContext, name: string) => {
  const group = { tenantId: ctx.tenantId, groupId: newId(), name, memberCount: 0 }
  await transaction()
    .add('group', GroupEntity.build(PutTransaction).item(group))
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'group.created', targetId: group.groupId }),
    )
    .run()
  return view(group)
}

export const renameGroup = async (ctx: TenantContext, groupId: string, name: string) => {
  await transaction()
    .add(
      'group',
      GroupEntity.build(UpdateTransaction)
        .item({ tenantId: ctx.tenantId, groupId, name })
        .options({ condition: { attr: 'groupId', exists: true } }),
    )
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'group.renamed', targetId: groupId }),
    )
    .run({ group: () => notFound('group') })
  return getGroup(ctx, groupId)
}

const idsPage = async (
  scope: TenantScope,
  prefix: string,
  limit: number,
  cursor?: string,
): Promise<Page<string>> => {
  const { items, nextCursor } = await queryPage(GroupMemberEntity, {
    partition: tenantPartition(scope.tenantId),
    prefix,
    limit,
    cursor,
  })
  return {
    items: items.map((i) => (prefix.startsWith('GMEMBER#') ? i.memberId : i.groupId)),
    nextCursor,
  }
}

/** Every member id of a group (bounded by the tenant's seats). */
export const allGroupMemberIds = async ({ tenantId }: TenantScope, groupId: string) =>
  (
    await queryAll(GroupMemberEntity, {
      partition: tenantPartition(tenantId),
      prefix: `GMEMBER#${groupId}#`,
      consistent: true,
    })
  ).map((i) => i.memberId)

/** A group's member ids, for filtering a member list; 404 for a group that is not this tenant's. */
export const listGroupMemberIds = async (scope: TenantScope, groupId: string) => {
  await getGroup(scope, groupId)
  return allGroupMemberIds(scope, groupId)
}

/** A page of a group's member ids; 404 for a group that is not this tenant's. */
export const groupMembersPage = async (
  scope: TenantScope,
  groupId: string,
  limit: number,
  cursor?: string,
) => {
  await getGroup(scope, groupId)
  return idsPage(scope, `GMEMBER#${groupId}#`, limit, cursor)
}

/** A page of the group ids a member belongs to. */
export const memberGroupsPage = (scope: TenantScope, memberId: string, limit: number, cursor?: string) =>
  idsPage(scope, `MGROUP#${memberId}#`, limit, cursor)

export const memberGroupIds = async ({ tenantId }: TenantScope, memberId: string) =>
  (
    await queryAll(GroupMemberEntity, {
      partition: tenantPartition(tenantId),
      prefix: `MGROUP#${memberId}#`,
      consistent: true,
    })
  ).map((i) => i.groupId)

/** Adds members (each must be a member of the workbench; the database checks) to a group. */
export const addGroupMembers = async (ctx: TenantContext, groupId: string, memberIds: string[]) => {
  const current = new Set(await allGroupMemberIds(ctx, groupId))
  const fresh = [...new Set(memberIds)].filter((id) => !current.has(id))
  if (fresh.length === 0) return getGroup(ctx, groupId)
  await transaction()
    .add('group', groupCountWrite(ctx, groupId, fresh.length, { attr: 'groupId', exists: true }))
    .add('members', ...fresh.map((id) => memberGroupCount(ctx, id, 1)))
    .add('places', ...fresh.flatMap((id) => pair(ctx, groupId, id, 'put')))
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'group.members-added',
        targetId: groupId,
        detail: fresh.join(','),
      }),
    )
    .run({
      group: () => notFound('group'),
      members: () =>
        new AppError('VALIDATION_FAILED', 'not a member of this workbench', [
          { path: 'body.memberIds', message: 'unknown member' },
        ]),
      places: () => new AppError('CONFLICT', 'the group changed meanwhile; retry'),
    })
  return getGroup(ctx, groupId)
}

export const removeGroupMember = async (ctx: TenantContext, groupId: string, memberId: string) => {
  await transaction()
    .add('places', ...pair(ctx, groupId, memberId, 'delete'))
    .add('group', groupCountWrite(ctx, groupId, -1, { attr: 'memberCount', gt: 0 }))
    .add('member', memberGroupCount(ctx, memberId, -1))
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'group.member-removed',
        targetId: groupId,
        detail: memberId,
      }),
    )
    .run({
      places: () => notFound('group member'),
      group: () => notFound('group member'),
      member: () => notFound('group member'),
    })
}

/**
 * Writes that take a removed member out of all their groups (same transaction as the removal),
 * and how many groups that is: the removal is conditioned on the member's group count, so a
 * group joined meanwhile fails it instead of being left behind.
 */
export const leaveAllGroupsWrites = async (scope: TenantScope, memberId: string) => {
  const groups = await memberGroupIds(scope, memberId)
  return {
    count: groups.length,
    writes: groups.flatMap((groupId): WriteItem[] => [
      groupCountWrite(scope, groupId, -1, { attr: 'memberCount', gt: 0 }),
      ...pair(scope, groupId, memberId, 'delete'),
    ]),
  }
}

/**
 * Deletes a group: its members leave in batches (each batch one transaction that also moves the
 * counters), then the group goes, conditioned on having no members left; a member added
 * meanwhile makes that fail, and the next round takes them out too.
 */
export const deleteGroup = (ctx: TenantContext, groupId: string) =>
  retryOnConflict(async () => {
    await getGroup(ctx, groupId)
    const members = await allGroupMemberIds(ctx, groupId)
    for (let i = 0; i < members.length; i += 30) {
      const batch = members.slice(i, i + 30)
      await transaction()
        .add(
          'group',
          groupCountWrite(ctx, groupId, -batch.length, { attr: 'memberCount', gte: batch.length }),
        )
        .add('places', ...batch.flatMap((id) => pair(ctx, groupId, id, 'delete')))
        .add('members', ...batch.map((id) => memberGroupCount(ctx, id, -1)))
        .run({
          group: () => new StaleRead('the group changed meanwhile'),
          places: () => new StaleRead('the group changed meanwhile'),
          members: () => new StaleRead('the group changed meanwhile'),
        })
    }
    await transaction()
      .add(
        'group',
        GroupEntity.build(DeleteTransaction)
          .key({ tenantId: ctx.tenantId, groupId })
          .options({ condition: { attr: 'memberCount', eq: 0 } }),
      )
      .add(
        'audit',
        auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'group.deleted', targetId: groupId }),
      )
      .run({ group: () => new StaleRead('a member joined meanwhile') })
  })
