import { $add, GetItemCommand, UpdateItemCommand, UpdateTransaction } from 'dynamodb-toolbox'
import type { TenantCaller } from '../core/auth/caller.js'
import { nowIso } from '../core/clock.js'
import { isConditionFailure, retryOnConflict } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { type Page, queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { notFound } from '../core/errors.js'
import { above, MemberNoticeEntity, MemberNoticeStateEntity, noticePrefix } from './entities.js'
import type { NoticeView } from './schemas.js'

type Member = { tenantId: string; memberId: string }

const memberOf = (caller: TenantCaller): Member => ({
  tenantId: caller.tenant.tenantId,
  memberId: caller.accountId,
})

const stateOf = async (m: Member) => {
  const { Item } = await MemberNoticeStateEntity.build(GetItemCommand)
    .key(m)
    .options({ consistent: true })
    .send()
  return { unread: Math.max(0, Item?.unread ?? 0), readUpTo: Item?.readUpTo ?? '' }
}

/** The caller's notices, newest first, each saying whether it is read, and their unread count: 2 requests. */
export const myNotices = async (
  caller: TenantCaller,
  limit: number,
  cursor?: string,
): Promise<Page<NoticeView> & { unreadCount: number }> => {
  const m = memberOf(caller)
  const [items, state] = await Promise.all([
    queryPage(MemberNoticeEntity, {
      partition: tenantPartition(m.tenantId),
      prefix: noticePrefix(m.memberId),
      limit,
      cursor,
      reverse: true,
    }),
    stateOf(m),
  ])
  return {
    items: items.items.map(({ tenantId: _t, memberId: _m, readAt, ...n }) => ({
      ...n,
      read: readAt !== undefined || n.noticeId <= state.readUpTo,
    })),
    nextCursor: items.nextCursor,
    unreadCount: state.unread,
  }
}

/** Marks one notice read (again: nothing changes); answers the unread count after it. */
export const markNoticeRead = async (caller: TenantCaller, noticeId: string) => {
  const m = memberOf(caller)
  try {
    await retryOnConflict(() =>
      transaction()
        .add(
          'notice',
          MemberNoticeEntity.build(UpdateTransaction)
            .item({ ...m, noticeId, readAt: nowIso() })
            .options({
              condition: {
                and: [
                  { attr: 'createdAt', exists: true },
                  { attr: 'readAt', exists: false },
                ],
              },
            }),
        )
        .add(
          'unread',
          MemberNoticeStateEntity.build(UpdateTransaction)
            .item({ ...m, unread: $add(-1) })
            .options({
              condition: {
                and: [{ attr: 'unread', gt: 0 }, above('readUpTo', noticeId)],
              },
            }),
        )
        .run(),
    )
  } catch (err) {
    if (!(err instanceof ConditionsFailed)) throw err
    if (err.has('notice')) {
      const { Item } = await MemberNoticeEntity.build(GetItemCommand)
        .key({ ...m, noticeId })
        .options({ consistent: true })
        .send()
      if (!Item) throw notFound('notice')
    }
    // read already: by itself, or under the "all read" mark (the count never counted it)
  }
  return { unreadCount: (await stateOf(m)).unread }
}

/**
 * Marks every notice read: the "all read" mark moves up to the newest notice counted and the count
 * to zero, on condition that no newer one was counted meanwhile (else it tries again).
 */
export const markAllNoticesRead = async (caller: TenantCaller) => {
  const m = memberOf(caller)
  for (let attempt = 0; ; attempt++) {
    const { Item } = await MemberNoticeStateEntity.build(GetItemCommand)
      .key(m)
      .options({ consistent: true })
      .send()
    if (!Item?.latest || Item.latest === Item.readUpTo) return { unreadCount: 0 }
    try {
      await MemberNoticeStateEntity.build(UpdateItemCommand)
        .item({ ...m, unread: 0, readUpTo: Item.latest })
        .options({ condition: { attr: 'latest', eq: Item.latest } })
        .send()
      return { unreadCount: 0 }
    } catch (err) {
      if (!isConditionFailure(err) || attempt >= 8) throw err
    }
  }
}
