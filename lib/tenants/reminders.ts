import { DeleteTransaction, Entity, item, PutTransaction, string } from 'dynamodb-toolbox'
import { addDays, nowMs } from '../core/clock.js'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { dueKeys } from '../core/due.js'

/** Days before expiry at which the tenant admin is reminded. */
export const REMINDER_DAYS = [7, 1] as const

/**
 * A reminder due before an expiry, found by the scheduled job through the due index. It names
 * the expiry it was made for, so a renewal makes older reminders stale instead of wrong.
 */
export const ReminderEntity = new Entity({
  name: 'Reminder',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    expiresAt: string().key(),
    daysBefore: string().key(),
    DUEPK: string(),
    DUESK: string(),
  }),
  computeKey: ({
    tenantId,
    expiresAt,
    daysBefore,
  }: {
    tenantId: string
    expiresAt: string
    daysBefore: string
  }) => ({
    PK: tenantPartition(tenantId),
    SK: `REMIND#${expiresAt}#${daysBefore}`,
  }),
})

export const reminderWrites = (tenantId: string, expiresAt: string) =>
  REMINDER_DAYS.flatMap((days) => {
    const dueAt = addDays(expiresAt, -days)
    if (Date.parse(dueAt) <= nowMs()) return []
    return [
      ReminderEntity.build(PutTransaction).item({
        tenantId,
        expiresAt,
        daysBefore: String(days),
        ...dueKeys(dueAt, 'REMIND', tenantId, expiresAt, String(days)),
      }),
    ]
  })

export const reminderDone = (tenantId: string, expiresAt: string, daysBefore: string) =>
  ReminderEntity.build(DeleteTransaction)
    .key({ tenantId, expiresAt, daysBefore })
    .options({ condition: { attr: 'tenantId', exists: true } })
