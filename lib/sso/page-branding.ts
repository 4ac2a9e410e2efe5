import type { EffectiveBranding } from '../branding/api-schemas.js'
import { BRANDING_DEFAULTS, type BrandedTenant, effectiveBranding } from '../branding/branding.js'
import { containerState } from '../core/aws-command-log.js'
import { nowMs } from '../core/clock.js'
import { errorSite, log } from '../core/log.js'
import type { PagePlace } from './pages.js'

const KEEP_MS = 60_000
const LIMIT = 1000

const kept = containerState(() => new Map<string, { branding: EffectiveBranding; until: number }>())

/**
 * Where a page of a tenant's issuer is shown, in the tenant's effective branding. Only HTML pages
 * ask, never a protocol step; the three levels are one BatchGetItem, kept a minute per container
 * (like the tenant's code), so a branding change shows within a minute. A failed read shows the
 * defaults and is not kept: a sign-in page is never lost to its branding.
 */
export const brandedPlace = async (place: BrandedTenant & { issuer: string }): Promise<PagePlace> => {
  const key = `${place.tenantId}#${place.industry}`
  const cache = kept.current()
  const hit = cache.get(key)
  let branding = hit && hit.until > nowMs() ? hit.branding : undefined
  if (!branding) {
    try {
      branding = await effectiveBranding(place)
      if (cache.size >= LIMIT) cache.delete(cache.keys().next().value as string)
      cache.set(key, { branding, until: nowMs() + KEEP_MS })
    } catch (err) {
      log.warn('branding not read: the page shows the defaults', errorSite(err))
      branding = { ...BRANDING_DEFAULTS }
    }
  }
  return { issuer: place.issuer, branding: { ...branding, siteName: branding.siteName ?? place.tenantName } }
}

/** Tests: forget what every container copy kept. */
export const forgetPageBranding = (): void => {
  for (const cache of kept.all()) cache.clear()
}
