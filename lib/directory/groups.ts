import {
  $add,
  DeleteTransaction,
  Entity,
  executeTransactWrite,
  GetItemCommand,
  item,
  number,
  PutTransaction,
  QueryCommand,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import type { Principal } from '../core/auth/principal.js'
import { failedConditions, retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { updateMembership } from '../identity/accounts.js'
import { auditWrite } from './audit.js'

/** A user group: a named set of members across departments. */
const GroupEntity = new Entity({
  name: 'Group',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), groupId: string().key(), name: string(), memberCount: number() }),
  computeKey: ({ tenantId, groupId }: { tenantId: string; groupId: string }) => ({
    PK: `T#${tenantId}`,
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
    PK: `T#${tenantId}`,
    SK: side === 'group' ? `GMEMBER#${groupId}#${memberId}` : `MGROUP#${memberId}#${groupId}`,
  }),
})

const pair = (tenantId: string, groupId: string, memberId: string, op: 'put' | 'delete'): WriteItem[] =>
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
const memberGroupCount = (tenantId: string, memberId: string, delta: number) =>
  updateMembership({ realm: 'tenant', ctx: tenantId, accountId: memberId }, { groupCount: $add(delta) })

const view = ({ groupId, name, memberCount }: { groupId: string; name: string; memberCount: number }) => ({
  groupId,
  name,
  memberCount,
})

export const listGroups = async (tenantId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(GroupEntity)
    .query({ partition: `T#${tenantId}`, range: { beginsWith: 'GROUP#' } })
    .send()
  return Items.map(view)
}

const getGroup = async (tenantId: string, groupId: string) => {
  const { Item } = await GroupEntity.build(GetItemCommand)
    .key({ tenantId, groupId })
    .options({ consistent: true })
    .send()
  if (!Item) throw notFound('group')
  return Item
}

export const createGroup = async (tenantId: string, actor: Principal, name: string) => {
  const group = { tenantId, groupId: newId(), name, memberCount: 0 }
  await executeTransactWrite(
    GroupEntity.build(PutTransaction).item(group),
    auditWrite(tenantId, { actorId: actor.accountId, action: 'group.created', targetId: group.groupId }),
  )
  return { groupId: group.groupId, name, memberCount: 0 }
}

export const renameGroup = async (tenantId: string, actor: Principal, groupId: string, name: string) => {
  try {
    await executeTransactWrite(
      GroupEntity.build(UpdateTransaction)
        .item({ tenantId, groupId, name })
        .options({ condition: { attr: 'groupId', exists: true } }),
      auditWrite(tenantId, { actorId: actor.accountId, action: 'group.renamed', targetId: groupId }),
    )
  } catch (err) {
    if (failedConditions(err).includes(0)) throw notFound('group')
    throw err
  }
  return view(await getGroup(tenantId, groupId))
}

const memberIdsOf = async (tenantId: string, prefix: string, pick: (sk: string) => string) => {
  const ids: string[] = []
  let start: Record<string, unknown> | undefined
  do {
    const { Items = [], LastEvaluatedKey } = await table
      .build(QueryCommand)
      .entities(GroupMemberEntity)
      .query({ partition: `T#${tenantId}`, range: { beginsWith: prefix } })
      .options({ exclusiveStartKey: start as never })
      .send()
    for (const i of Items) ids.push(pick(`${i.groupId}#${i.memberId}`))
    start = LastEvaluatedKey
  } while (start)
  return ids
}

export const groupMembers = (tenantId: string, groupId: string) =>
  memberIdsOf(tenantId, `GMEMBER#${groupId}#`, (k) => k.split('#')[1] as string)

/** A group's members; 404 for a group that does not exist (in this tenant). */
export const listGroupMembers = async (tenantId: string, groupId: string) => {
  await getGroup(tenantId, groupId)
  return groupMembers(tenantId, groupId)
}

export const memberGroups = (tenantId: string, memberId: string) =>
  memberIdsOf(tenantId, `MGROUP#${memberId}#`, (k) => k.split('#')[0] as string)

/** Adds members (each must be a member of the workbench; the database checks) to a group. */
export const addGroupMembers = async (
  tenantId: string,
  actor: Principal,
  groupId: string,
  memberIds: string[],
) => {
  const current = new Set(await groupMembers(tenantId, groupId))
  const fresh = [...new Set(memberIds)].filter((id) => !current.has(id))
  if (fresh.length === 0) return view(await getGroup(tenantId, groupId))
  try {
    await executeTransactWrite(
      GroupEntity.build(UpdateTransaction)
        .item({ tenantId, groupId, memberCount: $add(fresh.length) })
        .options({ condition: { attr: 'groupId', exists: true } }),
      ...fresh.flatMap((id) => [memberGroupCount(tenantId, id, 1), ...pair(tenantId, groupId, id, 'put')]),
      auditWrite(tenantId, {
        actorId: actor.accountId,
        action: 'group.members-added',
        targetId: groupId,
        detail: fresh.join(','),
      }),
    )
  } catch (err) {
    const failed = failedConditions(err)
    if (failed.includes(0)) throw notFound('group')
    if (failed.some((i) => (i - 1) % 3 === 0)) {
      throw new AppError('VALIDATION_FAILED', 'not a member of this workbench', [
        { path: 'body.memberIds', message: 'unknown member' },
      ])
    }
    if (failed.length > 0) throw new AppError('CONFLICT', 'the group changed meanwhile; retry')
    throw err
  }
  return view(await getGroup(tenantId, groupId))
}

export const removeGroupMember = async (
  tenantId: string,
  actor: Principal,
  groupId: string,
  memberId: string,
) => {
  try {
    await executeTransactWrite(
      ...pair(tenantId, groupId, memberId, 'delete'),
      GroupEntity.build(UpdateTransaction)
        .item({ tenantId, groupId, memberCount: $add(-1) })
        .options({ condition: { attr: 'memberCount', gt: 0 } }),
      memberGroupCount(tenantId, memberId, -1),
      auditWrite(tenantId, {
        actorId: actor.accountId,
        action: 'group.member-removed',
        targetId: groupId,
        detail: memberId,
      }),
    )
  } catch (err) {
    if (failedConditions(err).length > 0) throw notFound('group member')
    throw err
  }
}

/**
 * Writes that take a removed member out of all their groups (same transaction as the removal),
 * and how many groups that is: the removal is conditioned on the member's group count, so a
 * group joined meanwhile fails it instead of being left behind.
 */
export const leaveAllGroupsWrites = async (tenantId: string, memberId: string) => {
  const groups = await memberGroups(tenantId, memberId)
  return {
    count: groups.length,
    writes: groups.flatMap((groupId): WriteItem[] => [
      GroupEntity.build(UpdateTransaction)
        .item({ tenantId, groupId, memberCount: $add(-1) })
        .options({ condition: { attr: 'memberCount', gt: 0 } }),
      ...pair(tenantId, groupId, memberId, 'delete'),
    ]),
  }
}

/**
 * Deletes a group: its members leave in batches (each batch one transaction that also moves the
 * counters), then the group goes, conditioned on having no members left; a member added
 * meanwhile makes that fail, and the next round takes them out too.
 */
export const deleteGroup = (tenantId: string, actor: Principal, groupId: string) =>
  retryOnConflict(async () => {
    await getGroup(tenantId, groupId)
    const members = await groupMembers(tenantId, groupId)
    for (let i = 0; i < members.length; i += 30) {
      const batch = members.slice(i, i + 30)
      try {
        await executeTransactWrite(
          GroupEntity.build(UpdateTransaction)
            .item({ tenantId, groupId, memberCount: $add(-batch.length) })
            .options({ condition: { attr: 'memberCount', gte: batch.length } }),
          ...batch.flatMap((id) => [
            ...pair(tenantId, groupId, id, 'delete'),
            memberGroupCount(tenantId, id, -1),
          ]),
        )
      } catch (err) {
        if (failedConditions(err).length > 0) throw new StaleRead('the group changed meanwhile')
        throw err
      }
    }
    try {
      await executeTransactWrite(
        GroupEntity.build(DeleteTransaction)
          .key({ tenantId, groupId })
          .options({ condition: { attr: 'memberCount', eq: 0 } }),
        auditWrite(tenantId, { actorId: actor.accountId, action: 'group.deleted', targetId: groupId }),
      )
    } catch (err) {
      if (failedConditions(err).length > 0) throw new StaleRead('a member joined meanwhile')
      throw err
    }
  })
