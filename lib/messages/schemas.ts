import * as z from 'zod'
import { Id, Iso } from '../core/http/schemas.js'
import { TextLine } from '../core/http/text-line.js'
import { NodeId } from '../drive/schemas.js'

/**
 * A group holds at most this many members: a send is one transaction of the message, the
 * conversation and each member's entry (DynamoDB takes 100 writes at most), with room to spare.
 */
export const GROUP_MAX_MEMBERS = 90
/** Members named at once (creating a group, adding to one): each is checked in the same transaction. */
export const MEMBERS_AT_ONCE = 45
/** A sender may recall a message this long after sending it. */
export const RECALL_WINDOW_MS = 2 * 60 * 1000

/** An id like any other: `d` + a digest of the pair (one direct conversation per pair), or `g` + a new id. */
export const ConversationId = Id
export const MessageId = Id

const Text = z.object({
  kind: z.literal('text'),
  text: z
    .string()
    .max(4000)
    .refine((t) => t.trim().length > 0, 'a message says something'),
})

/** A file of the drive the sender may read. */
const FileInput = z.object({ kind: z.literal('file'), fileId: NodeId })

/**
 * What a member sends: a discriminated union on `kind`; the stored body of a file message says
 * what the file was when sent.
 */
export const MessageInput = z.discriminatedUnion('kind', [Text, FileInput]).meta({ id: 'MessageInput' })
export type MessageInput = z.output<typeof MessageInput>

export const SYSTEM_EVENTS = ['created', 'renamed', 'joined', 'removed', 'left'] as const
const System = z.object({
  kind: z.literal('system'),
  event: z.enum(SYSTEM_EVENTS),
  /** who did it */
  actorId: z.string(),
  /** whom it concerns (added, removed) */
  memberIds: z.array(z.string()).optional(),
  /** the group's name after a rename or at creation */
  name: z.string().optional(),
  /** the owner after the owner left */
  ownerId: z.string().optional(),
})
/**
 * A file message: the drive file's id and what it was when sent (copied, so the history reads
 * nothing else); every member of the conversation downloads it through the message.
 */
const File = z.object({
  kind: z.literal('file'),
  fileId: z.string(),
  name: z.string(),
  size: z.number().int(),
  contentType: z.string(),
})
/** A recalled message keeps its place in the history, nothing of what it said (nor its file). */
const Recalled = z.object({ kind: z.literal('recalled') })

export const MessageBody = z
  .discriminatedUnion('kind', [Text, File, System, Recalled])
  .meta({ id: 'MessageBody' })
export type MessageBody = z.output<typeof MessageBody>
export type SystemBody = z.output<typeof System>

export const MessageSchema = z
  .object({
    messageId: z.string(),
    conversationId: z.string(),
    /** the member who sent it; absent for a system message */
    senderId: z.string().optional(),
    sentAt: Iso,
    body: MessageBody,
    recalledAt: Iso.optional(),
  })
  .meta({ id: 'Message' })
export type MessageView = z.output<typeof MessageSchema>

export const ConversationSchema = z
  .object({
    conversationId: z.string(),
    kind: z.enum(['direct', 'group']),
    /** a group's name */
    name: z.string().optional(),
    /** a group's owner: only they rename it and add or remove members */
    ownerId: z.string().optional(),
    memberIds: z.array(z.string()),
    createdAt: Iso,
    lastMessage: MessageSchema.optional(),
  })
  .meta({ id: 'Conversation' })
export type ConversationView = z.output<typeof ConversationSchema>

export const MyConversationSchema = ConversationSchema.extend({
  /** messages after the member's read position */
  unread: z.number().int(),
  /** the last message the member has read */
  readThrough: z.string().optional(),
}).meta({ id: 'MyConversation' })
export type MyConversation = z.output<typeof MyConversationSchema>

const MemberIds = z.array(Id).min(1).max(MEMBERS_AT_ONCE)

export const CreateConversationBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct'), memberId: Id }),
  z.object({ kind: z.literal('group'), name: TextLine(64), memberIds: MemberIds }),
])
export type CreateConversationInput = z.output<typeof CreateConversationBody>

export const RenameBody = z.object({ name: TextLine(64) })
export const AddMembersBody = z.object({ memberIds: MemberIds })

export const UnreadSchema = z.object({
  /** unread messages across the member's conversations */
  total: z.number().int(),
  /** conversations with unread messages */
  conversations: z.number().int(),
})

export const ReadSchema = z.object({
  conversationId: z.string(),
  readThrough: z.string().optional(),
  readAt: Iso.optional(),
})

export const ReadPositionsSchema = z.object({
  items: z.array(
    z.object({ memberId: z.string(), readThrough: z.string().optional(), readAt: Iso.optional() }),
  ),
})

export const MessageReadsSchema = z.object({
  readBy: z.array(z.object({ memberId: z.string(), readAt: Iso.optional() })),
  unreadBy: z.array(z.string()),
})
