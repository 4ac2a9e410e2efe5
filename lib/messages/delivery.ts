import { errorSite, log } from '../core/log.js'
import type { TenantScope } from '../core/tenancy.js'
import { pushToMembers } from '../realtime/push.js'
import type { MessageView } from './schemas.js'

/** What a member's connected devices are told. */
export type MessageEvent =
  | { type: 'message'; message: MessageView }
  | { type: 'message.recalled'; conversationId: string; messageId: string }
  | { type: 'read'; conversationId: string; memberId: string; readThrough?: string }
  | { type: 'conversation.removed'; conversationId: string }

/**
 * Tells the members' connected devices, after the write committed. A failed push loses nothing:
 * what was written is in the history, where an offline or unlucky device catches up.
 */
export const deliver = async (tenant: TenantScope, memberIds: readonly string[], event: MessageEvent) => {
  try {
    await pushToMembers(tenant, memberIds, event)
  } catch (err) {
    log.error('push failed', { ...errorSite(err), type: event.type })
  }
}
