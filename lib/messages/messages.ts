import {
  $add,
  BatchGetRequest,
  ConditionCheck,
  GetItemCommand,
  UpdateItemCommand,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import type { TenantCaller } from '../core/auth/caller.js'
import { nowIso, nowMs } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { isConditionFailure, retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import type { TenantContext } from '../core/tenancy.js'
import { driveMemberOf } from '../drive/access.js'
import { attachmentDownload, fileForMember } from '../drive/files.js'
import { deliver } from './delivery.js'
import {
  activityKey,
  ConversationEntity,
  MessageEntity,
  messagesPrefix,
  myUnreadPartition,
  ParticipantEntity,
} from './entities.js'
import {
  conversationNotFound,
  conversationOfMember,
  editionMissing,
  editionStill,
  type MessageItem,
  memberOf,
  messageView,
  newMessage,
  participantRequest,
  readConversation,
} from './records.js'
import { type MessageBody, type MessageInput, type MessageView, RECALL_WINDOW_MS } from './schemas.js'

/** Attempts of a send whose transaction met another on the same conversation. */
const SEND_ATTEMPTS = 40

/**
 * Sends a message, over HTTP or the WebSocket alike. One transaction writes the message, the
 * conversation's latest message (conditioned on its members being those read), and each member's
 * entry: the sender has read up to it, everyone else's unread count goes up by one (an atomic add,
 * so parallel sends count exactly; transactions that meet on a conversation are tried again). Then
 * the members' connected devices get it, the sender's other devices too.
 */
export const sendMessage = async (caller: TenantCaller, conversationId: string, input: MessageInput) => {
  const { tenantId, memberId: me } = memberOf(caller.tenant)
  const body = await bodyOf(caller, input)
  const { sent, members } = await retryOnConflict(async () => {
    const c = await conversationOfMember(tenantId, conversationId, me)
    const sent = newMessage(tenantId, conversationId, body, me)
    const at = sent.item.sentAt
    const members = [...(c.memberIds ?? [])]
    const tx = transaction()
      .add('message', sent.put)
      .add(
        'head',
        ConversationEntity.build(UpdateTransaction)
          .item({
            tenantId,
            conversationId,
            lastMessageId: sent.item.messageId,
            lastMessage: JSON.stringify(sent.view),
          })
          .options({ condition: { attr: 'rev', eq: c.rev } }),
      )
      .add('edition', editionStill(tenantId))
    for (const m of members) {
      const key = { tenantId, conversationId, memberId: m, GSI1SK: activityKey(at, conversationId) }
      tx.add(
        'entries',
        ParticipantEntity.build(UpdateTransaction)
          .item(
            m === me
              ? { ...key, readThrough: sent.item.messageId, readAt: at }
              : { ...key, unread: $add(1), GSI2PK: myUnreadPartition(tenantId, m), GSI2SK: conversationId },
          )
          .options({ condition: { attr: 'memberId', exists: true } }),
      )
    }
    try {
      await tx.run({ edition: editionMissing })
    } catch (err) {
      if (err instanceof ConditionsFailed) throw new StaleRead('the members changed meanwhile')
      throw err
    }
    return { sent, members }
  }, SEND_ATTEMPTS)
  await deliver({ tenantId }, members, { type: 'message', message: sent.view })
  return sent.view
}

/**
 * What a message says as stored. A file is one the sender may read in the drive now (404
 * otherwise), as the drive shows it: what the history shows of it is copied from there.
 */
const bodyOf = async (caller: TenantCaller, input: MessageInput): Promise<MessageBody> => {
  if (input.kind !== 'file') return input
  const file = await fileForMember(await driveMemberOf(caller), input.fileId)
  return {
    kind: 'file',
    fileId: file.id,
    name: file.name,
    size: file.size ?? 0,
    contentType: file.contentType ?? 'application/octet-stream',
  }
}

/**
 * A file message's file, for every member of its conversation whether or not the drive lets them
 * read it (the sender could, and shared it here): the member's entry and the message in one
 * BatchGetItem, then a five-minute download address. A recalled message has no file any more; a
 * file trashed or purged in the drive is gone for its messages too (404), until it is restored.
 */
export const messageFile = async (ctx: TenantContext, conversationId: string, messageId: string) => {
  const { tenantId, memberId } = memberOf(ctx)
  const [entry, message] = await batchGetRequests(
    [
      participantRequest(tenantId, conversationId, memberId),
      MessageEntity.build(BatchGetRequest).key({ tenantId, conversationId, messageId }),
    ],
    { consistent: true },
  )
  if (!entry) throw conversationNotFound()
  const body = message ? messageView(message as MessageItem).body : undefined
  if (body?.kind !== 'file') throw new AppError('NOT_FOUND', 'no file message of this conversation')
  return attachmentDownload(ctx.tenantId, body.fileId)
}

/**
 * A page of a conversation's history, newest first, for its members: the member's entry and the
 * page are read in parallel (two requests, whatever the history's or the tenant's size).
 */
export const history = async (ctx: TenantContext, conversationId: string, limit: number, cursor?: string) => {
  const { tenantId, memberId } = memberOf(ctx)
  const [entry, page] = await Promise.all([
    ParticipantEntity.build(GetItemCommand)
      .key({ tenantId, conversationId, memberId })
      .options({ consistent: true, attributes: ['memberId'] })
      .send(),
    queryPage(MessageEntity, {
      partition: tenantPartition(tenantId),
      prefix: messagesPrefix(conversationId),
      limit,
      cursor,
      reverse: true,
      consistent: true,
    }),
  ])
  if (!entry.Item) throw conversationNotFound()
  return { items: page.items.map(messageView), nextCursor: page.nextCursor }
}

/**
 * The sender recalls a message within two minutes of sending it, while still in the conversation:
 * both are conditions of the one write (not a read then a write), which also drops what it said. A
 * recall again answers the recalled message.
 */
export const recallMessage = async (
  ctx: TenantContext,
  conversationId: string,
  messageId: string,
): Promise<MessageView> => {
  const { tenantId, memberId: me } = memberOf(ctx)
  const key = { tenantId, conversationId, messageId }
  const recalledAt = nowIso()
  const cutoff = new Date(nowMs() - RECALL_WINDOW_MS).toISOString()
  try {
    await transaction()
      .add(
        'member',
        ParticipantEntity.build(ConditionCheck)
          .key({ tenantId, conversationId, memberId: me })
          .condition({ attr: 'memberId', exists: true }),
      )
      .add(
        'message',
        MessageEntity.build(UpdateTransaction)
          .item({ ...key, body: JSON.stringify({ kind: 'recalled' }), recalledAt })
          .options({
            condition: {
              and: [
                { attr: 'senderId', eq: me },
                { attr: 'sentAt', gte: cutoff },
                { attr: 'recalledAt', exists: false },
              ],
            },
          }),
      )
      .run({ member: conversationNotFound })
  } catch (err) {
    if (!(err instanceof ConditionsFailed)) throw err
    const { Item } = await MessageEntity.build(GetItemCommand).key(key).options({ consistent: true }).send()
    if (!Item) throw new AppError('NOT_FOUND', 'message not found')
    if (Item.senderId !== me) throw new AppError('FORBIDDEN', 'only its sender recalls a message')
    if (Item.recalledAt) return messageView(Item)
    throw new AppError('INVALID_STATE', 'a message is recalled within two minutes of sending it')
  }
  const view: MessageView = { ...(await messageOf(key)), recalledAt }
  const c = await readConversation(tenantId, conversationId)
  if (c?.lastMessageId === messageId) {
    // the members' lists show the latest message: it no longer says anything either
    await ConversationEntity.build(UpdateItemCommand)
      .item({ tenantId, conversationId, lastMessage: JSON.stringify(view) })
      .options({ condition: { attr: 'lastMessageId', eq: messageId } })
      .send()
      .catch((err) => {
        if (!isConditionFailure(err)) throw err
      })
  }
  await deliver({ tenantId }, [...(c?.memberIds ?? [])], {
    type: 'message.recalled',
    conversationId,
    messageId,
  })
  return view
}

const messageOf = async (key: { tenantId: string; conversationId: string; messageId: string }) => {
  const { Item } = await MessageEntity.build(GetItemCommand).key(key).options({ consistent: true }).send()
  if (!Item) throw new AppError('NOT_FOUND', 'message not found')
  return messageView(Item)
}
