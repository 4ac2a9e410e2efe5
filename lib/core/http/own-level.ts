import type { Level } from '../levels.js'
import type { Access } from './access.js'
import type { CallerFor } from './route.js'

export type LevelName = Level['level']

/** How a level reads inside an operationId (`getPlatformPortal`, `listTenantNews`). */
const OPERATION_NAME = { platform: 'Platform', industry: 'Industry', tenant: 'Tenant' } as const

/**
 * What the routes of one level need when they always act on the caller's own level (the one their
 * token names, never one taken from the path): the path prefix, the level's word in operationIds,
 * the phrase its summaries use for whose thing it is, and the acting account.
 */
export const ownLevel = <A extends Access, L extends LevelName>(
  level: L,
  access: A,
  whose: Record<L, string>,
) => ({
  access,
  base: `/v1/${level}`,
  name: OPERATION_NAME[level],
  who: whose[level],
  // every administrator signs in with an account; the generic access type cannot say so
  actorOf: (req: CallerFor<A>) => (req.caller as { accountId: string }).accountId,
})
