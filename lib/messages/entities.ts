import { Entity, item, number, set, string } from 'dynamodb-toolbox'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'

/**
 * Messages live in the tenant's partition and its index partitions: the release's purge of the
 * partition takes them all.
 */

/**
 * A conversation's head: its members (a set, so writes check membership with `contains`), a group's
 * name and owner, and its latest message. `rev` moves on with every change of members: a send
 * computed from the members read is conditioned on it.
 */
export const ConversationEntity = new Entity({
  name: 'Conversation',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    conversationId: string().key(),
    kind: string().enum('direct', 'group'),
    name: string().optional(),
    ownerId: string().optional(),
    memberIds: set(string()).optional(),
    memberCount: number(),
    rev: number(),
    createdAt: string(),
    createdBy: string(),
    lastMessageId: string().optional(),
    /** the latest message as JSON (what a member's list shows) */
    lastMessage: string().optional(),
  }),
  computeKey: ({ tenantId, conversationId }: { tenantId: string; conversationId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `CONV#${conversationId}`,
  }),
})

/**
 * One member's place in a conversation: their unread count (raised by each message from someone
 * else in the transaction that writes it), their read position, when they joined. GSI1
 * `T#<id>#CONVS#<memberId>` / `<latest activity>#<conversationId>`: the member's conversations, most
 * recent first. GSI2 `T#<id>#IMUNREAD#<memberId>` / conversationId only while unread > 0 (sparse):
 * the member's total is one query of their conversations with something unread.
 */
export const ParticipantEntity = new Entity({
  name: 'Participant',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    conversationId: string().key(),
    memberId: string().key(),
    joinedAt: string(),
    unread: number(),
    readThrough: string().optional(),
    readAt: string().optional(),
    GSI1PK: string(),
    GSI1SK: string(),
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
  }),
  computeKey: ({
    tenantId,
    conversationId,
    memberId,
  }: Record<'tenantId' | 'conversationId' | 'memberId', string>) => ({
    PK: tenantPartition(tenantId),
    SK: `CPART#${conversationId}#${memberId}`,
  }),
})

/** A message; its id sorts by time, so a conversation's history is one range read, newest first. */
export const MessageEntity = new Entity({
  name: 'Message',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    conversationId: string().key(),
    messageId: string().key(),
    senderId: string().optional(),
    /** MessageBody as JSON */
    body: string(),
    sentAt: string(),
    recalledAt: string().optional(),
  }),
  computeKey: ({
    tenantId,
    conversationId,
    messageId,
  }: Record<'tenantId' | 'conversationId' | 'messageId', string>) => ({
    PK: tenantPartition(tenantId),
    SK: `MSG#${conversationId}#${messageId}`,
  }),
})

export const myConversationsPartition = (tenantId: string, memberId: string) =>
  tenantIndexPartition(tenantId, 'CONVS', memberId)
export const myUnreadPartition = (tenantId: string, memberId: string) =>
  tenantIndexPartition(tenantId, 'IMUNREAD', memberId)
export const activityKey = (at: string, conversationId: string) => `${at}#${conversationId}`
export const messagesPrefix = (conversationId: string) => `MSG#${conversationId}#`
export const participantsPrefix = (conversationId: string) => `CPART#${conversationId}#`
