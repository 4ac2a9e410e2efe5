import { $add, GetItemCommand, PutTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { mapLimit } from '../core/concurrency.js'
import { retryOnConflict } from '../core/db/conditions.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { idTime, newId } from '../core/ids.js'
import { above, MemberNoticeEntity, MemberNoticeStateEntity } from './entities.js'

/** What a capability tells members; `kind` is `<capability>.<event>`. */
export interface Notice {
  kind: string
  title: string
  body?: string
  link?: string
  ref?: string
}

/** How many members' notices are written at once. */
const NOTIFY_CONCURRENCY = 10

const deliver = async (tenantId: string, memberId: string, notice: Notice, createdAt: string) => {
  let noticeId = newId()
  for (let attempt = 0; ; attempt++) {
    try {
      await transaction()
        .add(
          'notice',
          MemberNoticeEntity.build(PutTransaction)
            .item({ tenantId, memberId, noticeId, ...notice, createdAt })
            .options({ condition: { attr: 'createdAt', exists: false } }),
        )
        .add(
          'mark',
          MemberNoticeStateEntity.build(UpdateTransaction)
            .item({ tenantId, memberId, unread: $add(1), latest: noticeId })
            .options({ condition: above('latest', noticeId) }),
        )
        .run()
      return
    } catch (err) {
      if (!(err instanceof ConditionsFailed && err.has('mark')) || attempt >= 8) throw err
      // a newer notice was counted meanwhile: take an id above it
      const { Item } = await MemberNoticeStateEntity.build(GetItemCommand)
        .key({ tenantId, memberId })
        .options({ consistent: true })
        .send()
      noticeId = newId(Math.max(Date.now(), idTime(Item?.latest ?? '') + 1))
    }
  }
}

/**
 * A notice for each member: it joins their list (GET /v1/me/notices) unread, and their unread
 * count with it, in one transaction per member so the count stays exact.
 */
export const notifyMembers = async (tenantId: string, memberIds: string[], notice: Notice): Promise<void> => {
  const createdAt = nowIso()
  await mapLimit([...new Set(memberIds)], NOTIFY_CONCURRENCY, (memberId) =>
    retryOnConflict(() => deliver(tenantId, memberId, notice, createdAt)),
  )
}
