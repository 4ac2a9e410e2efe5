import { notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { type Level, levelPartition } from '../core/levels.js'
import type { TenantId } from '../core/tenancy.js'

/**
 * Who publishes: the platform (system admin, every tenant), an industry (its admin, that industry's
 * tenants) or one tenant (its admin or a business admin with `content.write`, its members). A
 * level's content lives in its realm's partition (lib/core/levels).
 */
export type ContentLevel = Level
export { levelPartition }

export type LevelName = ContentLevel['level']

const PREFIX = { platform: 'p', industry: 'i', tenant: 't' } as const
const LEVEL_OF = { p: 'platform', i: 'industry', t: 'tenant' } as const

/**
 * Content ids name their level in their first letter (then a time-ordered id), so a member's
 * `GET /v1/news/{id}` reads the one item it can be, in the member's own tenant or industry,
 * without an index: another tenant's id simply finds nothing there.
 */
export const newContentId = (level: LevelName): string => `${PREFIX[level]}${newId()}`

/** The level an id belongs to, as seen from a member of a tenant in an industry; an id of none is no one's. */
export const memberLevelOf = (id: string, member: { tenantId: TenantId; industry: string }): ContentLevel => {
  const level = LEVEL_OF[id[0] as keyof typeof LEVEL_OF]
  if (!level) throw notFound('content')
  return level === 'platform'
    ? { level }
    : level === 'industry'
      ? { level, industry: member.industry }
      : { level, tenantId: member.tenantId }
}
