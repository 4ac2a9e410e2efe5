import {
  $add,
  DeleteItemCommand,
  DeleteTransaction,
  GetItemCommand,
  PutTransaction,
  UpdateItemCommand,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { retryOnConflict, type WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { deleteKeys } from '../core/db/purge-keys.js'
import { transaction } from '../core/db/transaction.js'
import { dueKeys } from '../core/due.js'
import { newId } from '../core/ids.js'
import { log } from '../core/log.js'
import type { Node } from './access.js'
import { objectKey } from './addresses.js'
import { folderListPartition, NodeEntity, PurgeEntity, SharedEntity, UsageEntity } from './entities.js'
import { removeObject } from './objects.js'
import { MAX_SHARES } from './rules.js'

/** The due kind of a purged folder's contents still to delete. */
export const PURGE_DUE = 'DRIVEPURGE'

/** A node's "shared with me" entries go with it (at most MAX_SHARES). */
const dropShared = async (tenantId: string, nodeId: string) => {
  const { items } = await queryPage(SharedEntity, {
    partition: tenantPartition(tenantId),
    prefix: `DRIVE#SHARE#${nodeId}#`,
    limit: MAX_SHARES,
  })
  await deleteKeys(
    items.map((i) => ({ PK: tenantPartition(tenantId), SK: `DRIVE#SHARE#${nodeId}#${i.principal}` })),
  )
}

/**
 * A file goes for good: its item and its bytes in the usage in one transaction (conditioned on the
 * state read), then its object. An object a failed delete leaves no longer counts, and goes with the
 * tenant's prefix at release.
 */
export const purgeFile = async (scope: { tenantId: string }, node: Node, ...also: WriteItem[]) => {
  const { tenantId } = scope
  await retryOnConflict(() =>
    transaction()
      .add(
        'node',
        NodeEntity.build(DeleteTransaction)
          .key({ tenantId, nodeId: node.nodeId })
          .options({ condition: { attr: 'state', eq: node.state } }),
      )
      .add('usage', UsageEntity.build(UpdateTransaction).item({ tenantId, used: $add(-(node.size ?? 0)) }))
      .add('also', ...also)
      .run(),
  )
  await dropShared(tenantId, node.nodeId)
  await removeObject(objectKey(tenantId, node.nodeId, node.version ?? 1), node.multipartId).catch((err) =>
    log.warn('drive object left behind', { nodeId: node.nodeId, error: (err as Error).name }),
  )
}

/**
 * A trashed folder goes for good: the tree forgets it and every folder below it and the folder's
 * item goes in one transaction, with a purge item naming those folders; their contents (unbounded)
 * are deleted in batches, the first at once, the rest by the scheduled due work.
 */
export const purgeFolder = async (
  scope: { tenantId: string },
  folder: Node,
  folderIds: string[],
  treeChange: WriteItem,
  ...also: WriteItem[]
) => {
  const { tenantId } = scope
  const purgeId = newId()
  await transaction()
    .add('tree', treeChange)
    .add(
      'node',
      NodeEntity.build(DeleteTransaction)
        .key({ tenantId, nodeId: folder.nodeId })
        .options({ condition: { attr: 'state', eq: 'trashed' } }),
    )
    .add(
      'purge',
      PurgeEntity.build(PutTransaction).item({
        tenantId,
        purgeId,
        folderIds: JSON.stringify(folderIds),
        ...dueKeys(nowIso(), PURGE_DUE, tenantId, purgeId),
      }),
    )
    .add('also', ...also)
    .run()
  await dropShared(tenantId, folder.nodeId)
  await purgeStep(tenantId, purgeId, 100)
}

/** Deletes up to `budget` items below purged folders; the purge item keeps what is left. */
export const purgeStep = async (tenantId: string, purgeId: string, budget: number): Promise<string> => {
  const { Item } = await PurgeEntity.build(GetItemCommand)
    .key({ tenantId, purgeId })
    .options({ consistent: true })
    .send()
  if (!Item) return 'drive-purge-gone'
  const left: string[] = JSON.parse(Item.folderIds)
  let spent = 0
  while (left.length > 0 && spent < budget) {
    const folderId = left[0] as string
    const { items, nextCursor } = await queryPage(NodeEntity, {
      index: 'GSI1',
      partition: folderListPartition(tenantId, folderId),
      limit: Math.min(25, budget - spent),
    })
    for (const n of items) {
      spent++
      if (n.kind === 'file') await purgeFile({ tenantId }, n)
      else {
        await NodeEntity.build(DeleteItemCommand).key({ tenantId, nodeId: n.nodeId }).send()
        await dropShared(tenantId, n.nodeId)
      }
    }
    if (items.length === 0 && nextCursor === undefined) left.shift()
  }
  if (left.length === 0) {
    await PurgeEntity.build(DeleteItemCommand).key({ tenantId, purgeId }).send()
    return 'drive-purged'
  }
  await PurgeEntity.build(UpdateItemCommand)
    .item({ tenantId, purgeId, folderIds: JSON.stringify(left) })
    .send()
  return 'drive-purge-continues'
}
