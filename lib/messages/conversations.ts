import {
  $add,
  $delete,
  $remove,
  DeleteTransaction,
  PutTransaction,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll, queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, type Transaction, transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import type { TenantContext } from '../core/tenancy.js'
import { membershipActive } from '../identity/accounts.js'
import { deliver } from './delivery.js'
import {
  activityKey,
  ConversationEntity,
  myConversationsPartition,
  ParticipantEntity,
  participantsPrefix,
} from './entities.js'
import {
  type ConversationItem,
  conversationNotFound,
  conversationOfMember,
  conversationRequest,
  conversationView,
  directConversationId,
  editionMissing,
  editionStill,
  groupConversationId,
  memberNotFound,
  memberOf,
  myConversationView,
  newMessage,
  type ParticipantItem,
  participantRequest,
  readConversation,
} from './records.js'
import {
  type CreateConversationInput,
  GROUP_MAX_MEMBERS,
  type MyConversation,
  type SystemBody,
} from './schemas.js'

const joinWrite = (tenantId: string, conversationId: string, memberId: string, at: string) =>
  ParticipantEntity.build(PutTransaction)
    .item({
      tenantId,
      conversationId,
      memberId,
      joinedAt: at,
      unread: 0,
      GSI1PK: myConversationsPartition(tenantId, memberId),
      GSI1SK: activityKey(at, conversationId),
    })
    .options({ condition: { attr: 'memberId', exists: false } })

const activeMember = (tenantId: string, memberId: string) =>
  membershipActive({ realm: 'tenant', ctx: tenantId, accountId: memberId })

/**
 * Starts a conversation. A direct one has exactly two members and one per pair: its id comes from
 * the pair and its put is conditioned on absence, so two members starting it at once get the same
 * one. A group's creator owns it. Everyone named must be an enabled member of the tenant, checked
 * in the transaction that adds them, as is the edition's messages app.
 */
export const createConversation = async (ctx: TenantContext, input: CreateConversationInput) => {
  const { tenantId, memberId: me } = memberOf(ctx)
  const at = nowIso()
  const others = [...new Set(input.kind === 'direct' ? [input.memberId] : input.memberIds)].filter(
    (m) => m !== me,
  )
  if (others.length === 0) {
    const path = input.kind === 'direct' ? 'body.memberId' : 'body.memberIds'
    throw new AppError('VALIDATION_FAILED', 'a conversation is with someone else', [
      { path, message: 'name someone other than yourself' },
    ])
  }
  const conversationId =
    input.kind === 'direct' ? directConversationId(tenantId, me, others[0] as string) : groupConversationId()
  const members = [me, ...others]
  const created =
    input.kind === 'group'
      ? newMessage(tenantId, conversationId, {
          kind: 'system',
          event: 'created',
          actorId: me,
          memberIds: others,
          name: input.name,
        })
      : undefined
  const item: ConversationItem = {
    tenantId,
    conversationId,
    kind: input.kind,
    ...(input.kind === 'group' ? { name: input.name, ownerId: me } : {}),
    memberIds: new Set(members),
    memberCount: members.length,
    rev: 1,
    createdAt: at,
    createdBy: me,
    ...(created ? { lastMessageId: created.item.messageId, lastMessage: JSON.stringify(created.view) } : {}),
  }
  const tx = transaction()
    .add(
      'conversation',
      ConversationEntity.build(PutTransaction)
        .item(item)
        .options({ condition: { attr: 'conversationId', exists: false } }),
    )
    .add('edition', editionStill(tenantId))
    .add('members', ...others.map((m) => activeMember(tenantId, m)))
    .add('join', ...members.map((m) => joinWrite(tenantId, conversationId, m, at)))
  if (created) tx.add('system', created.put)
  try {
    await tx.run({ edition: editionMissing, members: memberNotFound })
  } catch (err) {
    if (!(err instanceof ConditionsFailed && err.has('conversation') && input.kind === 'direct')) throw err
    // the pair's conversation exists (started before, or by the other member just now)
    const existing = await readConversation(tenantId, conversationId)
    if (!existing) throw err
    return conversationView(existing)
  }
  if (created) await deliver({ tenantId }, others, { type: 'message', message: created.view })
  return conversationView(item)
}

/** A conversation as one of its members sees it, with their unread count: one BatchGetItem. */
export const getConversation = async (
  ctx: TenantContext,
  conversationId: string,
): Promise<MyConversation> => {
  const { tenantId, memberId } = memberOf(ctx)
  const [c, p] = await batchGetRequests(
    [conversationRequest(tenantId, conversationId), participantRequest(tenantId, conversationId, memberId)],
    { consistent: true },
  )
  if (!c || !p) throw conversationNotFound()
  return myConversationView(c as ConversationItem, p as ParticipantItem)
}

/**
 * A member's conversations, most recent activity first, with their unread counts: one query of
 * their entries and one BatchGetItem of those conversations, however large the tenant.
 */
export const myConversations = async (ctx: TenantContext, limit: number, cursor?: string) => {
  const { tenantId, memberId } = memberOf(ctx)
  const page = await queryPage(ParticipantEntity, {
    index: 'GSI1',
    partition: myConversationsPartition(tenantId, memberId),
    limit,
    cursor,
    reverse: true,
  })
  const heads = await batchGetRequests(page.items.map((p) => conversationRequest(tenantId, p.conversationId)))
  return {
    items: page.items.flatMap((p, i) => {
      const c = heads[i] as ConversationItem | undefined
      return c ? [myConversationView(c, p)] : []
    }),
    nextCursor: page.nextCursor,
  }
}

/** Every member's entry of a conversation (bounded by the group's size): read positions, join order. */
export const participants = (tenantId: string, conversationId: string) =>
  queryAll(ParticipantEntity, {
    partition: tenantPartition(tenantId),
    prefix: participantsPrefix(conversationId),
    consistent: true,
  })

/** A group the caller is in (404 otherwise); with `owner`, one they own (403 otherwise). */
const groupOf = async (ctx: TenantContext, conversationId: string, { owner }: { owner: boolean }) => {
  const { tenantId, memberId } = memberOf(ctx)
  const c = await conversationOfMember(tenantId, conversationId, memberId)
  if (c.kind !== 'group')
    throw new AppError('INVALID_STATE', 'a direct conversation keeps its two members and has no name')
  if (owner && c.ownerId !== memberId)
    throw new AppError('FORBIDDEN', "only the group's owner renames it and adds or removes members")
  return c
}

/**
 * One change of a group, from the conversation as read: the head's update (conditioned on the
 * revision read, so a change computed from its members cannot be raced) with `extra` writes and a
 * system message, in one transaction; a stale read is read again. The message goes to the members
 * after the change, and `told` hear they are out.
 */
const changeGroup = async (
  ctx: TenantContext,
  conversationId: string,
  plan: (c: ConversationItem) => Promise<
    | {
        head: Record<string, unknown>
        system: Omit<SystemBody, 'kind' | 'actorId'>
        extra?: (tx: Transaction) => void
        after: string[]
        told?: string[]
      }
    | undefined
  >,
  { owner }: { owner: boolean },
) => {
  const { tenantId, memberId } = memberOf(ctx)
  const outcome = await retryOnConflict(async () => {
    const c = await groupOf(ctx, conversationId, { owner })
    const change = await plan(c)
    if (!change) return { c, sent: undefined, after: [] as string[], told: [] as string[] }
    const sent = newMessage(tenantId, conversationId, { kind: 'system', actorId: memberId, ...change.system })
    const tx = transaction().add(
      'head',
      ConversationEntity.build(UpdateTransaction)
        .item({
          tenantId,
          conversationId,
          ...change.head,
          rev: c.rev + 1,
          lastMessageId: sent.item.messageId,
          lastMessage: JSON.stringify(sent.view),
        } as never)
        .options({ condition: { attr: 'rev', eq: c.rev } }),
    )
    change.extra?.(tx)
    tx.add('system', sent.put)
    try {
      await tx.run({ members: memberNotFound })
    } catch (err) {
      if (err instanceof ConditionsFailed && err.has('head'))
        throw new StaleRead('the group changed meanwhile')
      throw err
    }
    return { c, sent, after: change.after, told: change.told ?? [] }
  }, 20)
  if (outcome.sent) {
    await Promise.all([
      deliver({ tenantId }, outcome.after, { type: 'message', message: outcome.sent.view }),
      outcome.told.length > 0
        ? deliver({ tenantId }, outcome.told, { type: 'conversation.removed', conversationId })
        : undefined,
    ])
  }
  const c = (await readConversation(tenantId, conversationId)) ?? outcome.c
  return conversationView(c)
}

export const renameGroup = (ctx: TenantContext, conversationId: string, name: string) =>
  changeGroup(
    ctx,
    conversationId,
    async (c) =>
      c.name === name
        ? undefined
        : { head: { name }, system: { event: 'renamed', name }, after: [...(c.memberIds ?? [])] },
    { owner: true },
  )

/** The owner adds enabled members of the tenant (those already in are left as they are), up to the group's bound. */
export const addMembers = (ctx: TenantContext, conversationId: string, memberIds: string[]) => {
  const { tenantId } = memberOf(ctx)
  return changeGroup(
    ctx,
    conversationId,
    async (c) => {
      const current = c.memberIds ?? new Set<string>()
      const added = [...new Set(memberIds)].filter((m) => !current.has(m))
      if (added.length === 0) return undefined
      if (current.size + added.length > GROUP_MAX_MEMBERS)
        throw new AppError('CONFLICT', `a group holds at most ${GROUP_MAX_MEMBERS} members`, {
          members: current.size,
        })
      const at = nowIso()
      return {
        head: { memberIds: $add(new Set(added)), memberCount: $add(added.length) },
        system: { event: 'joined', memberIds: added },
        extra: (tx) =>
          tx
            .add('members', ...added.map((m) => activeMember(tenantId, m)))
            .add('join', ...added.map((m) => joinWrite(tenantId, conversationId, m, at))),
        after: [...current, ...added],
      }
    },
    { owner: true },
  )
}

const leaveWrites = (tenantId: string, conversationId: string, memberId: string) => (tx: Transaction) =>
  tx.add(
    'participant',
    ParticipantEntity.build(DeleteTransaction)
      .key({ tenantId, conversationId, memberId })
      .options({ condition: { attr: 'memberId', exists: true } }),
  )

/** The owner removes a member (not themselves: they leave). The removed member hears it and nothing after. */
export const removeMember = (ctx: TenantContext, conversationId: string, memberId: string) => {
  const { tenantId, memberId: me } = memberOf(ctx)
  if (memberId === me)
    throw new AppError('INVALID_STATE', 'the owner leaves the group rather than removing themselves')
  return changeGroup(
    ctx,
    conversationId,
    async (c) => {
      if (!c.memberIds?.has(memberId)) throw memberNotFound()
      return {
        head: { memberIds: $delete(new Set([memberId])), memberCount: $add(-1) },
        system: { event: 'removed', memberIds: [memberId] },
        extra: leaveWrites(tenantId, conversationId, memberId),
        after: [...c.memberIds].filter((m) => m !== memberId),
        told: [memberId],
      }
    },
    { owner: true },
  )
}

/**
 * A member leaves a group. An owner who leaves hands the group to the member who has been in it
 * longest (ties by id), so a group with members always has an owner; the last to leave leaves it
 * empty (its history stays until the tenant is released).
 */
export const leaveGroup = async (ctx: TenantContext, conversationId: string) => {
  const { tenantId, memberId: me } = memberOf(ctx)
  await changeGroup(
    ctx,
    conversationId,
    async (c) => {
      const rest = [...(c.memberIds ?? [])].filter((m) => m !== me)
      let ownerId: string | undefined
      if (c.ownerId === me && rest.length > 0) {
        const entries = (await participants(tenantId, conversationId)).filter((p) => p.memberId !== me)
        entries.sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.memberId.localeCompare(b.memberId))
        ownerId = entries[0]?.memberId
      }
      return {
        head: {
          memberIds: $delete(new Set([me])),
          memberCount: $add(-1),
          ...(c.ownerId === me ? { ownerId: ownerId ?? $remove() } : {}),
        },
        system: { event: 'left', memberIds: [me], ...(ownerId ? { ownerId } : {}) },
        extra: leaveWrites(tenantId, conversationId, me),
        after: rest,
        told: [me],
      }
    },
    { owner: false },
  )
}
