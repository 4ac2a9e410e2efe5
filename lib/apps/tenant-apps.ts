import { Entity, item, PutTransaction, QueryCommand, string } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { table } from '../core/db/table.js'

/** An app bound to a tenant: base and preinstalled on opening, subscribed and self-built later. */
const TenantAppEntity = new Entity({
  name: 'TenantApp',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    appCode: string().key(),
    source: string().enum('base', 'preinstalled', 'subscribed', 'self-built'),
    status: string().enum('active', 'expired'),
    addedAt: string(),
  }),
  computeKey: ({ tenantId, appCode }: { tenantId: string; appCode: string }) => ({
    PK: `T#${tenantId}`,
    SK: `APP#${appCode}`,
  }),
})

/** Writes binding the edition's base apps and the industry's preinstalled apps to a new tenant. */
export const bindInitialAppsWrites = (tenantId: string, baseApps: string[], preinstalled: string[]) => {
  const addedAt = nowIso()
  const sources = new Map<string, 'base' | 'preinstalled'>()
  for (const code of preinstalled) sources.set(code, 'preinstalled')
  for (const code of baseApps) sources.set(code, 'base')
  return [...sources].map(([appCode, source]) =>
    TenantAppEntity.build(PutTransaction).item({ tenantId, appCode, source, status: 'active', addedAt }),
  )
}

export const listTenantApps = async (tenantId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(TenantAppEntity)
    .query({ partition: `T#${tenantId}`, range: { beginsWith: 'APP#' } })
    .send()
  return Items.map(({ appCode, source, status }) => ({ appCode, source, status }))
}
