import { $add, GetItemCommand, PutTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { mapLimit } from '../core/concurrency.js'
import { retryOnConflict } from '../core/db/conditions.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { idTime, newId } from '../core/ids.js'
import { errorSite, log } from '../core/log.js'
import { scopeOf } from '../core/tenancy.js'
import { pushToMembers } from '../realtime/push.js'
import { above, MemberNoticeEntity, MemberNoticeStateEntity, NoticeKeyEntity } from './entities.js'

/** What a capability tells members; `kind` is `<capability>.<event>`. */
export interface Notice {
  kind: string
  title: string
  body?: string
  link?: string
  ref?: string
}

export interface NotifyOptions {
  /** a member gets a notice with this key once, however often it is sent (a retried job) */
  key?: string
}

/** How long a notice's key is remembered: far beyond any retry. */
const KEY_DAYS = 30

/** How many members' notices are written at once. */
const NOTIFY_CONCURRENCY = 10

const deliver = async (
  tenantId: string,
  memberId: string,
  notice: Notice,
  createdAt: string,
  key: string | undefined,
): Promise<boolean> => {
  let noticeId = newId()
  for (let attempt = 0; ; attempt++) {
    const tx = transaction()
    if (key !== undefined) {
      tx.add(
        'key',
        NoticeKeyEntity.build(PutTransaction)
          .item({
            tenantId,
            memberId,
            key,
            expiresAtEpoch: Math.floor(Date.now() / 1000) + KEY_DAYS * 86_400,
          })
          .options({ condition: { attr: 'key', exists: false } }),
      )
    }
    try {
      await tx
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
      return true
    } catch (err) {
      if (err instanceof ConditionsFailed && err.has('key')) return false
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
 * count with it, in one transaction per member so the count stays exact; then it goes to the
 * devices they have connected (a push lost is no notice lost: the list has it).
 */
export const notifyMembers = async (
  tenantId: string,
  memberIds: string[],
  notice: Notice,
  options: NotifyOptions = {},
): Promise<void> => {
  const createdAt = nowIso()
  const members = [...new Set(memberIds)]
  const delivered = await mapLimit(members, NOTIFY_CONCURRENCY, (memberId) =>
    retryOnConflict(() => deliver(tenantId, memberId, notice, createdAt, options.key)),
  )
  const told = members.filter((_, i) => delivered[i])
  await pushToMembers(scopeOf(tenantId), told, { type: 'notice', notice: { ...notice, createdAt } }).catch(
    (err) => log.warn('notice push failed', errorSite(err)),
  )
}
