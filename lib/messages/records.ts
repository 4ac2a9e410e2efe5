import { createHash } from 'node:crypto'
import { BatchGetRequest, type FormattedItem, GetItemCommand, PutTransaction } from 'dynamodb-toolbox'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { nowIso } from '../core/clock.js'
import { AppError } from '../core/errors.js'
import { base32, newId } from '../core/ids.js'
import type { TenantContext } from '../core/tenancy.js'
import { ConversationEntity, MessageEntity, ParticipantEntity } from './entities.js'
import {
  type ConversationView,
  MessageBody,
  MessageSchema,
  type MessageView,
  type MyConversation,
} from './schemas.js'

export type ConversationItem = FormattedItem<typeof ConversationEntity>
export type ParticipantItem = FormattedItem<typeof ParticipantEntity>
export type MessageItem = FormattedItem<typeof MessageEntity>

/** The edition's app a tenant needs for messages. */
export const IM_APP = 'im'

/** Who acts in a conversation: the caller, a member of their tenant. */
export const memberOf = (ctx: TenantContext) => ({ tenantId: ctx.tenantId, memberId: ctx.actor.accountId })

/** The pair's one direct conversation: its id is a digest of the two member ids, whoever starts it. */
export const directConversationId = (tenantId: string, a: string, b: string) =>
  `d${base32(
    createHash('sha256')
      .update(`${tenantId}\u0000${[a, b].sort().join('\u0000')}`)
      .digest(),
  ).slice(0, 26)}`
export const groupConversationId = () => `g${newId()}`

export const messageView = (m: MessageItem): MessageView => ({
  messageId: m.messageId,
  conversationId: m.conversationId,
  senderId: m.senderId,
  sentAt: m.sentAt,
  body: MessageBody.parse(JSON.parse(m.body)),
  recalledAt: m.recalledAt,
})

export const conversationView = (c: ConversationItem): ConversationView => ({
  conversationId: c.conversationId,
  kind: c.kind,
  name: c.name,
  ownerId: c.ownerId,
  memberIds: [...(c.memberIds ?? [])].sort(),
  createdAt: c.createdAt,
  lastMessage: c.lastMessage ? MessageSchema.parse(JSON.parse(c.lastMessage)) : undefined,
})

export const myConversationView = (c: ConversationItem, p: ParticipantItem): MyConversation => ({
  ...conversationView(c),
  unread: p.unread,
  readThrough: p.readThrough,
})

export const conversationRequest = (tenantId: string, conversationId: string) =>
  ConversationEntity.build(BatchGetRequest).key({ tenantId, conversationId })
export const participantRequest = (tenantId: string, conversationId: string, memberId: string) =>
  ParticipantEntity.build(BatchGetRequest).key({ tenantId, conversationId, memberId })

export const readConversation = async (tenantId: string, conversationId: string) => {
  const { Item } = await ConversationEntity.build(GetItemCommand)
    .key({ tenantId, conversationId })
    .options({ consistent: true })
    .send()
  return Item
}

export const conversationNotFound = () => new AppError('NOT_FOUND', 'conversation not found')
export const memberNotFound = () => new AppError('NOT_FOUND', 'member not found')

/** The conversation, if the member is in it; another tenant's, or one the member is not in, is a 404. */
export const conversationOfMember = async (tenantId: string, conversationId: string, memberId: string) => {
  const c = await readConversation(tenantId, conversationId)
  if (!c?.memberIds?.has(memberId)) throw conversationNotFound()
  return c
}

/** A new message's item and its view. */
export const newMessage = (
  tenantId: string,
  conversationId: string,
  body: MessageBody,
  senderId?: string,
  at = nowIso(),
) => {
  const item: MessageItem = {
    tenantId,
    conversationId,
    messageId: newId(),
    ...(senderId ? { senderId } : {}),
    body: JSON.stringify(body),
    sentAt: at,
  }
  return {
    item,
    view: messageView(item),
    put: MessageEntity.build(PutTransaction)
      .item(item)
      .options({ condition: { attr: 'messageId', exists: false } }),
  }
}

export const editionStill = (tenantId: string) => tenantAppStill(tenantId, IM_APP, 'active')
export const editionMissing = () =>
  new AppError('PLAN_LIMIT_EXCEEDED', "the workbench's edition does not include messages", { app: IM_APP })
