import { $remove, BatchGetRequest, PutItemCommand, PutTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { transaction } from '../core/db/transaction.js'
import { log } from '../core/log.js'
import type { TenantId } from '../core/tenancy.js'
import type { BrandingInput, BrandingSource, BrandingView, EffectiveBranding } from './api-schemas.js'
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
const chainOf = (t: BrandingTarget): { source: Inherited; level: BrandingLevel }[] => [
  ...(t.level === 'tenant'
    ? [{ source: 'tenant' as const, level: { level: 'tenant' as const, tenantId: t.tenant.tenantId } }]
    : []),
  ...(t.level === 'platform'
    ? []
    : [
        {
          source: 'industry' as const,
          level: {
            level: 'industry' as const,
            industry: t.level === 'tenant' ? t.tenant.industry : t.industry,
          },
        },
      ]),
  { source: 'platform', level: { level: 'platform' } },
]

const levelOf = (t: BrandingTarget): BrandingLevel => (chainOf(t)[0] as { level: BrandingLevel }).level

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

const summary = (input: BrandingInput, mode: 'replace' | 'merge') => {
  const given = BRANDING_FIELDS.filter((f) => input[f] !== undefined && input[f] !== null)
  const cleared = BRANDING_FIELDS.filter((f) => input[f] === null)
  return mode === 'replace'
    ? `replaced set=${given.join(',') || 'none'}`
    : [given.length ? `set=${given.join(',')}` : '', cleared.length ? `cleared=${cleared.join(',')}` : '']
        .filter(Boolean)
        .join(' ')
}

/**
 * Writes a level's branding. `replace` (PUT): the level sets exactly the fields given; `merge`
 * (PATCH): fields given change, `null` clears one, the others stay. A tenant's change is audited
 * in its audit log, in the same transaction; the platform and industries keep no audit log yet,
 * so their item records who changed it last and when, and the change is logged (ids only).
 */
export const writeBranding = async (
  t: BrandingTarget,
  input: BrandingInput,
  mode: 'replace' | 'merge',
  actorId: string,
): Promise<BrandingView> => {
  const owner = brandingOwner(levelOf(t))
  const stamp = { owner, updatedAt: nowIso(), updatedBy: actorId }
  const detail = summary(input, mode)
  if (mode === 'merge' && detail === '') return brandingView(t)
  const write =
    mode === 'replace'
      ? BrandingEntity.build(PutTransaction).item({
          ...stamp,
          ...Object.fromEntries(BRANDING_FIELDS.flatMap((f) => (input[f] ? [[f, input[f]]] : []))),
        })
      : BrandingEntity.build(UpdateTransaction).item({
          ...stamp,
          ...Object.fromEntries(
            BRANDING_FIELDS.flatMap((f) =>
              input[f] === undefined ? [] : [[f, input[f] === null ? $remove() : input[f]]],
            ),
          ),
        })
  const tx = transaction().add('branding', write)
  if (t.level === 'tenant') {
    tx.add('audit', auditWrite(t.tenant, { actorId, action: 'branding.updated', detail }))
  }
  await tx.run()
  if (t.level !== 'tenant') {
    log.info('branding updated', {
      level: t.level,
      industry: t.level === 'industry' ? t.industry : undefined,
      actorId,
      detail,
    })
  }
  return brandingView(t)
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
