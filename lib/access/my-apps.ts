import { viewOf } from '../apps/registry.js'
import { groupsOf, shelfRequest } from '../apps/shelf.js'
import { tenantAppRequest } from '../apps/tenant-apps.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import type { TenantScope } from '../core/tenancy.js'
import { catalogAppOf, catalogAppRequest } from '../platform/catalog-apps.js'
import { EntitlementEntity } from './records.js'

type AppItem = Parameters<typeof viewOf>[0]

/**
 * The ids of the apps the member is entitled to: those their membership keeps, as the session check
 * read them (no request), else one range read of their own entitlements.
 */
export const myAppIds = async (scope: TenantScope, memberId: string, kept?: readonly string[]) => {
  if (kept) return [...kept]
  const entitlements = await queryAll(EntitlementEntity, {
    partition: tenantPartition(scope.tenantId),
    prefix: `ENT#${memberId}#`,
    consistent: true,
  })
  return entitlements.filter((e) => e.state === 'entitled').map((e) => e.appId)
}

/** What the member's apps are read from: the shelf, and each app's tenant and catalog items. */
export const myAppsRequests = (scope: TenantScope, appIds: string[]) => [
  shelfRequest(scope.tenantId),
  ...appIds.flatMap((appId) => [tenantAppRequest(scope.tenantId, appId), catalogAppRequest(appId)]),
]

/**
 * The member's apps from what myAppsRequests read, with where they start and the groups they sit
 * in. Apps switched off or whose licence lapsed are left out; the caller's own standing and the
 * tenant's were checked with the session.
 */
export const myAppsFrom = (
  appIds: string[],
  [shelf, ...found]: (Record<string, unknown> | undefined)[],
  issuer: string,
) => {
  const items = appIds.flatMap((_, i) => {
    const app = found[2 * i] as AppItem | undefined
    if (app?.status !== 'active' || app.enabled === false) return []
    const view = viewOf(app, app.source === 'self-built' ? undefined : catalogAppOf(found[2 * i + 1]))
    return [
      {
        appId: view.appId,
        name: view.name,
        description: view.description,
        iconUrl: view.iconUrl,
        kind: view.kind,
        clientTypes: view.clientTypes,
        protocol: view.protocol,
        // every app starts through the tenant's issuer: it signs in by the app's protocol
        launchUrl: view.protocol === 'built-in' ? undefined : `${issuer}/launch/${view.appId}`,
        groupId: view.groupId,
        order: view.order,
      },
    ]
  })
  const groups = groupsOf(shelf as Parameters<typeof groupsOf>[0])
  const rank = new Map(groups.map((g, i) => [g.groupId, i]))
  const place = (groupId?: string) =>
    groupId === undefined ? groups.length : (rank.get(groupId) ?? groups.length)
  items.sort(
    (a, b) => place(a.groupId) - place(b.groupId) || a.order - b.order || a.name.localeCompare(b.name),
  )
  const used = new Set(items.map((i) => i.groupId))
  return {
    items: items.map((i) => (i.groupId && rank.has(i.groupId) ? i : { ...i, groupId: undefined })),
    groups: groups.filter((g) => used.has(g.groupId)),
  }
}

/**
 * The apps the calling member can open: one batch read of those apps and the shelf, after a range
 * read of their entitlements unless the membership keeps them (`kept`, from the session check).
 * Nothing here grows with the tenant's members or rules.
 */
export const myApps = async (
  scope: TenantScope,
  memberId: string,
  issuer: string,
  kept?: readonly string[],
) => {
  const appIds = await myAppIds(scope, memberId, kept)
  return myAppsFrom(appIds, await batchGetRequests(myAppsRequests(scope, appIds)), issuer)
}
