import { any, BatchGetRequest, Entity, item, string } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import { deleteKeys } from '../core/db/purge-keys.js'
import { table } from '../core/db/table.js'
import type { TenantScope } from '../core/tenancy.js'
import { listApps } from './registry.js'

const sortKey = (appId: string, memberId: string) => `APPATTR#${appId}#${memberId}`

/**
 * A member's values of one app's extended attributes (the ERP ledgers they may use): one item per
 * member and app, so signing in to the app reads it in the batch that reads the rest.
 */
export const AttributeValuesEntity = new Entity({
  name: 'AppAttributeValues',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    appId: string().key(),
    memberId: string().key(),
    values: any(),
    updatedAt: string(),
  }),
  computeKey: ({ tenantId, appId, memberId }: { tenantId: string; appId: string; memberId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: sortKey(appId, memberId),
  }),
})

export const attributeValuesRequest = (tenantId: string, appId: string, memberId: string) =>
  AttributeValuesEntity.build(BatchGetRequest).key({ tenantId, appId, memberId })

/**
 * The values of members and apps that are gone go with them (the directory's stream calls this):
 * every value of a deleted app, and a removed member's values for each app declaring attributes.
 * New values cannot appear behind it: setting one is conditioned on the member and the app.
 */
export const purgeAttributeValues = async (
  scope: TenantScope,
  gone: { appIds: string[]; memberIds: string[] },
) => {
  const PK = tenantPartition(scope.tenantId)
  const keys: { PK: string; SK: string }[] = []
  for (const appId of gone.appIds) {
    const values = await queryAll(AttributeValuesEntity, { partition: PK, prefix: `APPATTR#${appId}#` })
    keys.push(...values.map((v) => ({ PK, SK: sortKey(v.appId, v.memberId) })))
  }
  if (gone.memberIds.length > 0) {
    const declaring: string[] = []
    let cursor: string | undefined
    do {
      const page = await listApps(scope, 100, cursor)
      declaring.push(...page.items.filter((a) => a.attributes.length > 0).map((a) => a.appId))
      cursor = page.nextCursor
    } while (cursor)
    for (const appId of declaring) {
      keys.push(...gone.memberIds.map((memberId) => ({ PK, SK: sortKey(appId, memberId) })))
    }
  }
  await deleteKeys(keys)
  return keys.length
}
