import { BatchGetRequest, PutItemCommand } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { levelChain } from '../core/levels.js'
import type { TenantId } from '../core/tenancy.js'
import type { BrandingSource, BrandingView, EffectiveBranding } from './api-schemas.js'
import { BrandingEntity, type BrandingLevel, brandingOwner } from './entities.js'
import { BRANDING_FIELDS, type Branding, BrandingSchema } from './schemas.js'

/** What a sign-in page shows where no level sets a field (a tenant's site name is its own name). */
export const BRANDING_DEFAULTS = { platformName: 'Atrium', loginTitle: 'Sign in' } as const

/** A tenant as its branding needs it: the industry it inherits from, the name it defaults to. */
export interface BrandedTenant {
  tenantId: TenantId
  industry: string
  tenantName: string
}

/** Whose branding an administrator reads or writes: the caller's own level, from their token. */
export type BrandingTarget =
  | { level: 'platform' }
  | { level: 'industry'; industry: string }
  | { level: 'tenant'; tenant: BrandedTenant }

type Inherited = Exclude<BrandingSource, 'default'>

/** The levels a target's page draws on, most specific first. */
const chainOf = (t: BrandingTarget): { source: Inherited; level: BrandingLevel }[] =>
  levelChain(
    t.level === 'tenant' ? { level: 'tenant', tenantId: t.tenant.tenantId, industry: t.tenant.industry } : t,
  ).map((level) => ({ source: level.level, level }))

export const levelOf = (t: BrandingTarget): BrandingLevel => (chainOf(t)[0] as { level: BrandingLevel }).level

const defaultsOf = (t: BrandingTarget): EffectiveBranding =>
  t.level === 'tenant' ? { ...BRANDING_DEFAULTS, siteName: t.tenant.tenantName } : { ...BRANDING_DEFAULTS }

/**
 * A level's fields from its item, each only if it still passes its schema: a value stored under
 * older rules, or written around the API, is never shown.
 */
const brandingOf = (stored: Record<string, unknown> | undefined): Branding | undefined => {
  if (!stored) return undefined
  const out: Branding = {}
  for (const f of BRANDING_FIELDS) {
    const parsed = BrandingSchema.shape[f].safeParse(stored[f])
    if (parsed.success && parsed.data !== undefined) out[f] = parsed.data
  }
  return out
}

/**
 * Field by field, the most specific level that sets it (tenant, industry, platform), else the
 * default; and where each came from.
 */
export const mergeBranding = (
  levels: Partial<Record<Inherited, Branding | undefined>>,
  defaults: EffectiveBranding = BRANDING_DEFAULTS,
): { effective: EffectiveBranding; sources: BrandingView['sources'] } => {
  const effective: Branding = {}
  const sources: BrandingView['sources'] = {}
  for (const f of BRANDING_FIELDS) {
    const from = (['tenant', 'industry', 'platform'] as const).find((l) => levels[l]?.[f] !== undefined)
    const value = from ? levels[from]?.[f] : defaults[f]
    if (value === undefined) continue
    effective[f] = value
    sources[f] = from ?? 'default'
  }
  // the defaults name the platform and the title, so every merge has both
  return { effective: effective as EffectiveBranding, sources }
}

/** Every level a target's page draws on, in one BatchGetItem (at most three items). */
const readLevels = async (t: BrandingTarget, consistent: boolean) => {
  const chain = chainOf(t)
  const items = await batchGetRequests(
    chain.map((c) => BrandingEntity.build(BatchGetRequest).key({ owner: brandingOwner(c.level) })),
    { consistent },
  )
  return Object.fromEntries(chain.map((c, i) => [c.source, brandingOf(items[i])])) as Partial<
    Record<Inherited, Branding>
  >
}

/** A level's branding as its administrator sees it: what it sets, what results and from where. */
export const brandingView = async (t: BrandingTarget): Promise<BrandingView> => {
  const levels = await readLevels(t, true)
  const own = levels[chainOf(t)[0]?.source as Inherited]
  return { level: t.level, overrides: own ?? {}, ...mergeBranding(levels, defaultsOf(t)) }
}

/** What a tenant's sign-in pages show (eventually consistent: the pages cache it a while anyway). */
export const effectiveBranding = async (tenant: BrandedTenant): Promise<EffectiveBranding> => {
  const target = { level: 'tenant', tenant } as const
  return mergeBranding(await readLevels(target, false), defaultsOf(target)).effective
}

/** A level's starting branding, unless it has one: the seed runs again, never undoing an admin's change. */
export const seedBranding = async (t: BrandingTarget, branding: Branding): Promise<void> => {
  try {
    await BrandingEntity.build(PutItemCommand)
      .item({
        owner: brandingOwner(levelOf(t)),
        ...BrandingSchema.parse(branding),
        updatedAt: nowIso(),
        updatedBy: 'seed',
      })
      .options({ condition: { attr: 'owner', exists: false } })
      .send()
  } catch (err) {
    if (!isConditionFailure(err)) throw err
  }
}
