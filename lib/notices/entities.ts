import { Entity, item, number, string } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'

/**
 * A notice to one member (a reminder, an approval's decision): in the tenant's partition, so the
 * tenant's purge takes it, under the member's prefix and by its time-ordered id, newest last.
 */
export const MemberNoticeEntity = new Entity({
  name: 'MemberNotice',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    memberId: string().key(),
    noticeId: string().key(),
    kind: string(),
    title: string(),
    body: string().optional(),
    link: string().optional(),
    ref: string().optional(),
    createdAt: string(),
    readAt: string().optional(),
  }),
  computeKey: ({ tenantId, memberId, noticeId }: Record<'tenantId' | 'memberId' | 'noticeId', string>) => ({
    PK: tenantPartition(tenantId),
    SK: `${noticePrefix(memberId)}${noticeId}`,
  }),
})

export const noticePrefix = (memberId: string) => `MNOTICE#${memberId}#`

/**
 * A member's unread count, the newest notice it counts (`latest`: notices are written in id order,
 * each above the one before) and the id up to which "mark all read" read everything: a notice is
 * unread when it has no readAt and its id is above `readUpTo`, and `unread` counts exactly those.
 */
export const MemberNoticeStateEntity = new Entity({
  name: 'MemberNoticeState',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    memberId: string().key(),
    unread: number(),
    latest: string().optional(),
    readUpTo: string().optional(),
  }),
  computeKey: ({ tenantId, memberId }: { tenantId: string; memberId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `MNOTICESTATE#${memberId}`,
  }),
})

/**
 * A notice's key once delivered to a member (a job retried after a crash does not tell them
 * twice); it outlives any retry by far and then expires.
 */
export const NoticeKeyEntity = new Entity({
  name: 'MemberNoticeKey',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    memberId: string().key(),
    key: string().key(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ tenantId, memberId, key }: Record<'tenantId' | 'memberId' | 'key', string>) => ({
    PK: tenantPartition(tenantId),
    SK: `MNOTICEKEY#${memberId}#${key}`,
  }),
})

/** The state's condition that a notice id is above one of its marks. */
export const above = <M extends 'latest' | 'readUpTo'>(mark: M, noticeId: string) => ({
  or: [
    { attr: mark, exists: false },
    { attr: mark, lt: noticeId },
  ],
})
