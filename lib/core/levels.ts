import { tenantPartition } from './db/keys.js'
import type { TenantId } from './tenancy.js'

/**
 * Who owns something that exists at three levels (branding, portals, media, news): the platform,
 * an industry, or one tenant.
 */
export type Level =
  | { level: 'platform' }
  | { level: 'industry'; industry: string }
  | { level: 'tenant'; tenantId: TenantId }

/** A level with the levels it inherits from named: a tenant inherits from its industry. */
export type InheritingLevel =
  | { level: 'platform' }
  | { level: 'industry'; industry: string }
  | { level: 'tenant'; tenantId: TenantId; industry: string }

/**
 * The partition of a level's items: the realm partitions of its administrators, `PLATFORM`,
 * `IND#<industry>`, `T#<tenantId>` (so a tenant's go with its partition at release).
 */
export const levelPartition = (l: Level): string =>
  l.level === 'platform'
    ? 'PLATFORM'
    : l.level === 'industry'
      ? `IND#${l.industry}`
      : tenantPartition(l.tenantId)

/** The levels something is looked up at, most specific first: tenant, industry, platform. */
export const levelChain = (l: InheritingLevel): Level[] => [
  ...(l.level === 'tenant' ? [{ level: 'tenant' as const, tenantId: l.tenantId }] : []),
  ...(l.level === 'platform' ? [] : [{ level: 'industry' as const, industry: l.industry }]),
  { level: 'platform' },
]
