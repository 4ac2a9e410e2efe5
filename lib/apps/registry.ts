import { $remove, DeleteTransaction, PutTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import type { z } from 'zod'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import type { WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId, secretDigest } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { AppDefinition, type CatalogApp } from '../platform/app-schemas.js'
import { getCatalogApp, listCatalogApps } from '../platform/catalog-apps.js'
import { dropClientWrite, issueClientWrites, newClient, newSecretWrite } from './clients.js'
import type { AppView, RegisterAppBody, UpdateAppInput } from './schemas.js'
import { appGroupExists } from './shelf.js'
import { getTenantApp, TenantAppEntity } from './tenant-apps.js'

type TenantApp = NonNullable<Awaited<ReturnType<typeof getTenantApp>>>
type Definition = z.output<typeof AppDefinition>

/** Apps with a protocol of their own sign members in with a client of the tenant's issuer. */
const needsClient = (protocol: string) => ['oidc', 'oauth2', 'cas', 'code'].includes(protocol)

/** An app as the tenant has it: its definition (the catalog's, or its own) and the tenant's state. */
export const viewOf = (app: TenantApp, catalog: CatalogApp | undefined): AppView => {
  const definition = (app.source === 'self-built' ? app.definition : catalog) as Definition | undefined
  return {
    appId: app.appCode,
    kind:
      app.source === 'self-built' || app.source === 'subscribed'
        ? app.source
        : (catalog?.kind ?? (app.source === 'base' ? 'built-in' : 'preinstalled')),
    name: definition?.name ?? app.appCode,
    description: definition?.description,
    iconUrl: definition?.iconUrl,
    homeUrl: definition?.homeUrl,
    clientTypes: definition?.clientTypes ?? ['web'],
    protocol: definition?.protocol ?? 'built-in',
    redirectUris: definition?.redirectUris ?? [],
    casServices: definition?.casServices ?? [],
    logoutUrl: definition?.logoutUrl,
    attributes: definition?.attributes ?? [],
    requestedFields: definition?.requestedFields ?? [],
    enabled: app.enabled !== false,
    groupId: app.groupId,
    order: app.order ?? 0,
    clientId: app.clientId,
    licence: { status: app.status, seats: app.seats, expiresAt: app.expiresAt, trial: app.trial },
    marketplaceUrl: catalog?.marketplaceUrl,
  }
}

const catalogByCode = async () => new Map((await listCatalogApps()).map((a) => [a.code, a]))

const loadApp = async (scope: TenantScope, appId: string) => {
  const app = await getTenantApp(scope.tenantId, appId)
  if (!app || app.status === 'released') throw notFound('app')
  return app
}

/** The tenant's apps, a page at a time, with their status and licence. */
export const listApps = async (scope: TenantScope, limit: number, cursor?: string) => {
  const [page, catalog] = await Promise.all([
    queryPage(TenantAppEntity, { partition: tenantPartition(scope.tenantId), prefix: 'APP#', limit, cursor }),
    catalogByCode(),
  ])
  return {
    items: page.items.filter((a) => a.status !== 'released').map((a) => viewOf(a, catalog.get(a.appCode))),
    nextCursor: page.nextCursor,
  }
}

/** The tenant's app (404 when it has none by that id) and its view, definition included. */
export const appWithView = async (scope: TenantScope, appId: string) => {
  const app = await loadApp(scope, appId)
  return {
    app,
    view: viewOf(app, app.source === 'self-built' ? undefined : await getCatalogApp(app.appCode)),
  }
}

export const getApp = async (scope: TenantScope, appId: string) => (await appWithView(scope, appId)).view

/**
 * Registers the tenant's own app: a new app id and, for apps that sign members in by protocol, a
 * client with a secret that is shown once (only its hash is kept).
 */
export const registerApp = async (ctx: TenantContext, input: z.output<typeof RegisterAppBody>) => {
  const definition: Definition = input
  const appCode = `app-${newId()}`
  const client = needsClient(definition.protocol) ? newClient() : undefined
  await transaction()
    .add(
      'app',
      TenantAppEntity.build(PutTransaction)
        .item({
          tenantId: ctx.tenantId,
          appCode,
          source: 'self-built',
          status: 'active',
          addedAt: nowIso(),
          enabled: true,
          definition,
          clientId: client?.clientId,
          clientSecretHash: client ? secretDigest(client.clientSecret) : undefined,
        })
        .options({ condition: { attr: 'appCode', exists: false } }),
    )
    .add('client', ...(client ? issueClientWrites(ctx, appCode, client) : []))
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'app.registered', targetId: appCode }),
    )
    .run()
  return { app: await getApp(ctx, appCode), appId: appCode, ...client }
}

const invalid = (field: string, message: string) =>
  new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ path: field, message }])

/**
 * Shows or hides an app and places it on the workbench; the tenant's own apps may also change
 * their definition (checked whole, as at registration). Catalog apps keep the catalog's.
 */
export const updateApp = async (ctx: TenantContext, appId: string, input: UpdateAppInput) => {
  const app = await loadApp(ctx, appId)
  const { enabled, groupId, order, ...changes } = input
  const set: Record<string, unknown> = {}
  if (Object.keys(changes).length > 0) {
    if (app.source !== 'self-built') {
      throw invalid(
        `body.${Object.keys(changes)[0]}`,
        'the catalog defines this app; only the workbench settings change',
      )
    }
    const next = AppDefinition.safeParse({ ...(app.definition as Definition), ...changes })
    if (!next.success) {
      throw new AppError(
        'VALIDATION_FAILED',
        'invalid app definition',
        next.error.issues.map((i) => ({
          path: ['body', ...i.path.map(String)].join('.'),
          message: i.message,
        })),
      )
    }
    set.definition = next.data
  }
  if (enabled !== undefined) set.enabled = enabled
  if (order !== undefined) set.order = order
  if (groupId !== undefined) set.groupId = groupId === null ? $remove() : groupId
  const tx = transaction()
    .add(
      'app',
      TenantAppEntity.build(UpdateTransaction)
        .item({ tenantId: ctx.tenantId, appCode: appId, ...set } as never)
        .options({ condition: { attr: 'status', eq: app.status } }),
    )
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'app.updated',
        targetId: appId,
        detail: Object.keys(input).join(','),
      }),
    )
  if (groupId) {
    tx.add('group', appGroupExists(ctx.tenantId, groupId))
  }
  await tx.run({
    app: () => new AppError('CONFLICT', 'the app changed meanwhile; retry'),
    group: () => invalid('body.groupId', 'unknown app group'),
  })
  return getApp(ctx, appId)
}

/** Only the tenant's own apps are deleted (catalog apps are switched off; bought ones end with their order). */
export const deleteApp = async (ctx: TenantContext, appId: string) => {
  const app = await loadApp(ctx, appId)
  if (app.source !== 'self-built') {
    throw new AppError(
      'INVALID_STATE',
      "only the workbench's own apps are deleted: switch this one off instead",
    )
  }
  await transaction()
    .add(
      'app',
      TenantAppEntity.build(DeleteTransaction)
        .key({ tenantId: ctx.tenantId, appCode: appId })
        .options({ condition: { attr: 'source', eq: 'self-built' } }),
    )
    .add('client', ...(app.clientId ? [dropClientWrite(app.clientId)] : []))
    .add('audit', auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'app.deleted', targetId: appId }))
    .run({ app: () => notFound('app') })
}

/** Writes another capability adds to a secret's rotation, given the new credentials (sealed for a provider). */
export type AlongsideSecret = (credentials: {
  clientId: string
  clientSecret: string
}) => Promise<WriteItem[]>

/**
 * A new client secret, shown once; the old one stops working at once. An app that signs members in
 * by protocol and has no client yet (a catalog app the tenant federates) gets one. `alongside`
 * adds writes to the same transaction (the secret sealed for the app's provider, its delivery).
 */
export const rotateSecret = async (ctx: TenantContext, appId: string, alongside?: AlongsideSecret) => {
  const { app, view } = await appWithView(ctx, appId)
  if (!needsClient(view.protocol)) {
    throw new AppError(
      'INVALID_STATE',
      `a ${view.protocol} app signs nobody in by itself: it has no client secret`,
    )
  }
  const fresh = newClient()
  const clientId = app.clientId ?? fresh.clientId
  await transaction()
    .add('app', newSecretWrite(ctx, appId, clientId, fresh.clientSecret))
    .add('client', ...(app.clientId ? [] : issueClientWrites(ctx, appId, { ...fresh, clientId })))
    .add('alongside', ...((await alongside?.({ clientId, clientSecret: fresh.clientSecret })) ?? []))
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'app.secret-rotated', targetId: appId }),
    )
    .run({
      app: () => notFound('app'),
      // another request issued the client, or changed what was sealed with it, first
      client: () => new AppError('CONFLICT', 'the app changed meanwhile; retry'),
      alongside: () => new AppError('CONFLICT', 'the app changed meanwhile; retry'),
    })
  return { clientId, clientSecret: fresh.clientSecret }
}
