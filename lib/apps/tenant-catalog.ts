import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import type { TenantScope } from '../core/tenancy.js'
import { getIndustry, listSkus, offeredTo } from '../platform/catalog.js'
import { listCatalogApps } from '../platform/catalog-apps.js'
import { TenantAppEntity } from './tenant-apps.js'

/** The catalog as a tenant sees it: what it may use or buy, with the skus to buy it, and what it has. */
export const catalogForTenant = async (scope: TenantScope, industryCode: string | undefined) => {
  const [catalog, skus, mine, industry] = await Promise.all([
    listCatalogApps(),
    listSkus(),
    queryAll(TenantAppEntity, { partition: tenantPartition(scope.tenantId), prefix: 'APP#' }).then(
      (apps) => new Set(apps.filter((a) => a.status !== 'released').map((a) => a.appCode)),
    ),
    industryCode ? getIndustry(industryCode) : undefined,
  ])
  return {
    // what its industry's store does not offer is not on sale to it (what it has, it still sees)
    items: catalog
      .filter((app) => app.kind !== 'subscribed' || mine.has(app.code) || offeredTo(industry, app.code))
      .map((app) => ({
        appId: app.code,
        name: app.name,
        description: app.description,
        kind: app.kind,
        clientTypes: app.clientTypes,
        protocol: app.protocol,
        marketplaceUrl: app.marketplaceUrl,
        skus: skus.flatMap((s) =>
          s.target.type === 'app' && s.target.appCode === app.code
            ? [{ skuCode: s.skuCode, name: s.name, seats: s.target.seats, trialDays: s.target.trialDays }]
            : [],
        ),
        added: mine.has(app.code),
      })),
  }
}
