import * as z from 'zod'
import { liveSession } from '../../lib/auth/session-check.js'
import type { Caller, TenantCaller } from '../../lib/core/auth/caller.js'
import { AppError } from '../../lib/core/errors.js'
import { tenantAccess } from '../../lib/core/http/access.js'
import { action, websocketFunction } from '../../lib/core/websocket-function.js'
import { sendMessage } from '../../lib/messages/messages.js'
import { markRead } from '../../lib/messages/reads.js'
import { ConversationId, MessageInput } from '../../lib/messages/schemas.js'
import { connectionPrincipal, dropConnection, registerConnection } from '../../lib/realtime/connections.js'

const tenantCaller = (caller: Caller): TenantCaller => {
  if (caller.realm !== 'tenant') throw new AppError('FORBIDDEN', 'not allowed for this account')
  return caller
}
const tenantOf = (caller: Caller) => tenantCaller(caller).tenant

/**
 * The WebSocket API: a member's device connects with `?access_token=`, is registered for delivery,
 * and sends (`send`) or marks read (`read`) over it; every message is checked live like an HTTP
 * request. What it sends reaches the members as an HTTP send does.
 */
export const handler = websocketFunction({
  name: 'messages-ws',
  session: liveSession,
  access: tenantAccess(),
  connect: async ({ connectionId, caller, principal }) => {
    const tenant = tenantOf(caller)
    await registerConnection(tenant, { connectionId, memberId: caller.accountId, principal })
  },
  disconnect: ({ connectionId }) => dropConnection(connectionId),
  principalOf: connectionPrincipal,
  actions: {
    send: action({
      body: z.object({ action: z.literal('send'), conversationId: ConversationId, message: MessageInput }),
      handle: async ({ caller, body }) => ({
        type: 'sent',
        message: await sendMessage(tenantCaller(caller), body.conversationId, body.message),
      }),
    }),
    read: action({
      body: z.object({ action: z.literal('read'), conversationId: ConversationId }),
      handle: async ({ caller, body }) => ({
        type: 'read',
        ...(await markRead(tenantOf(caller), body.conversationId)),
      }),
    }),
  },
})
