import { $remove, ConditionCheck, GetItemCommand, UpdateTransaction } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { queryAll } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import type { TenantContext } from '../core/tenancy.js'
import { participants } from './conversations.js'
import { deliver } from './delivery.js'
import { ConversationEntity, MessageEntity, myUnreadPartition, ParticipantEntity } from './entities.js'
import {
  type ConversationItem,
  conversationNotFound,
  conversationRequest,
  memberOf,
  type ParticipantItem,
  participantRequest,
} from './records.js'

/**
 * The member has read the conversation up to its latest message: their unread count drops to
 * zero, conditioned on the count they read and on the latest message being the one read, so a
 * message arriving meanwhile is neither lost nor counted as read (the attempt is made again). The
 * other members' devices hear of the read position (read receipts).
 */
export const markRead = async (ctx: TenantContext, conversationId: string) => {
  const { tenantId, memberId } = memberOf(ctx)
  const outcome = await retryOnConflict(async () => {
    const [c, p] = (await batchGetRequests(
      [conversationRequest(tenantId, conversationId), participantRequest(tenantId, conversationId, memberId)],
      { consistent: true },
    )) as [ConversationItem | undefined, ParticipantItem | undefined]
    if (!c || !p) throw conversationNotFound()
    const readThrough = c.lastMessageId
    if (p.unread === 0 && p.readThrough === readThrough)
      return { c, position: { conversationId, readThrough, readAt: p.readAt }, changed: false }
    const readAt = nowIso()
    try {
      await transaction()
        .add(
          'entry',
          ParticipantEntity.build(UpdateTransaction)
            .item({
              tenantId,
              conversationId,
              memberId,
              unread: 0,
              ...(readThrough ? { readThrough } : {}),
              readAt,
              GSI2PK: $remove(),
              GSI2SK: $remove(),
            })
            .options({ condition: { attr: 'unread', eq: p.unread } }),
        )
        .add(
          'latest',
          ConversationEntity.build(ConditionCheck)
            .key({ tenantId, conversationId })
            .condition(
              readThrough
                ? { attr: 'lastMessageId', eq: readThrough }
                : { attr: 'lastMessageId', exists: false },
            ),
        )
        .run()
    } catch (err) {
      if (err instanceof ConditionsFailed) throw new StaleRead('a message arrived meanwhile')
      throw err
    }
    return { c, position: { conversationId, readThrough, readAt }, changed: true }
  }, 30)
  if (outcome.changed) {
    const others = [...(outcome.c.memberIds ?? [])].filter((m) => m !== memberId)
    await deliver({ tenantId }, others, {
      type: 'read',
      conversationId,
      memberId,
      readThrough: outcome.position.readThrough,
    })
  }
  return outcome.position
}

/**
 * A member's unread messages across their conversations: one query of the sparse index of their
 * conversations with something unread (whatever the tenant's size or their number of conversations).
 */
export const unreadTotal = async (ctx: TenantContext) => {
  const { tenantId, memberId } = memberOf(ctx)
  const entries = await queryAll(ParticipantEntity, {
    index: 'GSI2',
    partition: myUnreadPartition(tenantId, memberId),
  })
  return { total: entries.reduce((n, e) => n + e.unread, 0), conversations: entries.length }
}

const membersOf = async (ctx: TenantContext, conversationId: string) => {
  const { tenantId, memberId } = memberOf(ctx)
  const entries = await participants(tenantId, conversationId)
  if (!entries.some((e) => e.memberId === memberId)) throw conversationNotFound()
  return entries
}

/** Each member's read position in a conversation: one query. */
export const readPositions = async (ctx: TenantContext, conversationId: string) => ({
  items: (await membersOf(ctx, conversationId)).map((e) => ({
    memberId: e.memberId,
    readThrough: e.readThrough,
    readAt: e.readAt,
  })),
})

/**
 * Who has read a message and who has not (its sender aside): the members' positions and the
 * message, read in parallel. Message ids sort by time, so a position at or after it has read it.
 */
export const messageReads = async (ctx: TenantContext, conversationId: string, messageId: string) => {
  const { tenantId } = memberOf(ctx)
  const [entries, { Item: message }] = await Promise.all([
    membersOf(ctx, conversationId),
    MessageEntity.build(GetItemCommand)
      .key({ tenantId, conversationId, messageId })
      .options({ consistent: true, attributes: ['senderId'] })
      .send(),
  ])
  if (!message) throw new AppError('NOT_FOUND', 'message not found')
  const others = entries.filter((e) => e.memberId !== message.senderId)
  const hasRead = (e: ParticipantItem) => e.readThrough !== undefined && e.readThrough >= messageId
  return {
    readBy: others.filter(hasRead).map((e) => ({ memberId: e.memberId, readAt: e.readAt })),
    unreadBy: others.filter((e) => !hasRead(e)).map((e) => e.memberId),
  }
}
