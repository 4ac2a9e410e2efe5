import { auditWrite } from '../core/audit.js'
import type { Transaction } from '../core/db/transaction.js'
import { log } from '../core/log.js'
import type { ContentLevel } from './levels.js'

/** Who writes a level's content: the level (always the caller's own, from their token) and the account. */
export interface Publisher {
  level: ContentLevel
  actorId: string
}

/**
 * Sends a content write: a tenant's with its audit entry in the same transaction; the platform and
 * industries keep no audit log yet, so theirs is logged (ids only).
 */
export const commitWrite = async (
  p: Publisher,
  tx: Transaction,
  action: string,
  targetId: string,
  explain?: Record<string, () => Error>,
): Promise<void> => {
  if (p.level.level === 'tenant') {
    tx.add('audit', auditWrite({ tenantId: p.level.tenantId }, { actorId: p.actorId, action, targetId }))
  }
  await tx.run(explain)
  if (p.level.level !== 'tenant') {
    log.info('content changed', {
      level: p.level.level,
      industry: p.level.level === 'industry' ? p.level.industry : undefined,
      actorId: p.actorId,
      action,
      targetId,
    })
  }
}
