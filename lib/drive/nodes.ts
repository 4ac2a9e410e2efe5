import {
  $remove,
  BatchGetRequest,
  DeleteTransaction,
  PutTransaction,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { memberGroupIds } from '../directory/groups.js'
import {
  ancestors,
  atLeast,
  type DriveMember,
  type Level,
  type Located,
  levelOn,
  locate,
  type Node,
  newNodeId,
  sharesOf,
  spaceKey,
  spaceLevel,
  spaceName,
  spaceOfNode,
  type Tree,
  treeOf,
  treeRequest,
} from './access.js'
import { folderListPartition, NodeEntity, SharedEntity, sharedPartition, trashPartition } from './entities.js'
import { purgeFile, purgeFolder } from './purge.js'
import type { DriveItem, Share, SpaceName } from './schemas.js'
import { subtree, treeWrite } from './tree.js'

const forbidden = (what: string) => new AppError('FORBIDDEN', `you may not ${what} here`)
const changed = () => new StaleRead('the drive changed meanwhile')

/** Where a node is listed: its folder (or its space's root), by kind then name. */
export const listKeys = (
  tenantId: string,
  space: string,
  kind: 'file' | 'folder',
  parentId: string,
  name: string,
  nodeId: string,
) => ({
  GSI1PK: folderListPartition(tenantId, parentId || `${space}.root`),
  GSI1SK: `${kind === 'folder' ? 0 : 1}#${name.toLowerCase().slice(0, 200)}#${nodeId}`,
})

export const toItem = (node: Node, level: Level, shares?: Share[]): DriveItem => ({
  id: node.nodeId,
  kind: node.kind,
  space: spaceName(spaceOfNode(node.nodeId)),
  ...(node.parentId ? { parentId: node.parentId } : {}),
  name: node.name,
  size: node.size,
  contentType: node.contentType,
  version: node.version,
  createdBy: node.createdBy,
  createdAt: node.createdAt,
  updatedAt: node.updatedAt,
  trashedAt: node.trashedAt,
  access: level === 'manage' ? 'manage' : level === 'edit' ? 'edit' : 'read',
  ...(level === 'manage' && shares ? { shares } : {}),
})

export const viewOf = (l: Located) => toItem(l.node, l.level, sharesOf(l.node, l.tree))

/** Reads a space's tree. */
export const readTree = async (tenantId: string, space: string): Promise<Tree> => {
  const [item] = await batchGetRequests([treeRequest(tenantId, space)], { consistent: true })
  return treeOf(space, item)
}

/** What a member may do in a folder (or a space's root), the folders above included. */
export const placeLevel = async (member: DriveMember, tree: Tree, folderId: string): Promise<Level> => {
  if (folderId === '') return spaceLevel(member, tree.space)
  if (!tree.folders[folderId]) throw notFound('folder')
  const up = ancestors(tree, folderId)
  if (up.hidden) throw notFound('folder')
  const level = await levelOn(
    member,
    tree,
    up.ids.map((id) => tree.folders[id]?.s ?? []),
  )
  if (!atLeast(level, 'read')) throw notFound('folder')
  return level
}

/** A check, in a file's transaction, that the tree (so its folder) is as read. */
export const treeStill = (tenantId: string, tree: Tree): WriteItem[] =>
  tree.version === 0 ? [] : [treeWrite(tenantId, tree, tree.folders)]

/**
 * The place a member asked for (a folder of a space, or its root) with its tree, where they may
 * `wanted` (edit: add to it).
 */
export const placeFor = async (
  member: DriveMember,
  space: SpaceName,
  parentId: string | undefined,
  wanted: Level,
) => {
  const key = parentId ? spaceOfNode(parentId) : spaceKey(member, space)
  if (parentId && key !== spaceKey(member, space) && space === 'enterprise') throw notFound('folder')
  const tree = await readTree(member.tenantId, key)
  const level = await placeLevel(member, tree, parentId ?? '')
  if (!atLeast(level, wanted)) throw forbidden(wanted === 'edit' ? 'add files or folders' : 'do that')
  return { tree, level, parentId: parentId ?? '' }
}

/** A folder's items (or a space root's), by kind then name, a page at a time: its tree read beside the page. */
export const listChildren = async (
  member: DriveMember,
  q: { space?: SpaceName; parentId?: string; limit: number; cursor?: string },
) => {
  const space = q.parentId ? spaceOfNode(q.parentId) : spaceKey(member, q.space as SpaceName)
  const [tree, page] = await Promise.all([
    readTree(member.tenantId, space),
    queryPage(NodeEntity, {
      index: 'GSI1',
      partition: folderListPartition(member.tenantId, q.parentId || `${space}.root`),
      limit: q.limit,
      cursor: q.cursor,
    }),
  ])
  const level = await placeLevel(member, tree, q.parentId ?? '')
  const direct = new Set([`member:${member.memberId}`, ...member.departmentIds.map((d) => `department:${d}`)])
  const items = page.items.map((n) => {
    const own = sharesOf(n, tree).filter((s) => direct.has(`${s.to.kind}:${s.to.id}`))
    const best = own.reduce<Level>((l, s) => (atLeast(l, s.access) ? l : s.access), level)
    return toItem(n, best, sharesOf(n, tree))
  })
  return { items, nextCursor: page.nextCursor }
}

const audit = (member: DriveMember, action: string, targetId: string) =>
  auditWrite(member, { actorId: member.memberId, action, targetId })

export const createFolder = (
  member: DriveMember,
  input: { space: SpaceName; parentId?: string; name: string },
) =>
  retryOnConflict(async () => {
    const { tree, parentId } = await placeFor(member, input.space, input.parentId, 'edit')
    const nodeId = newNodeId(tree.space)
    const at = nowIso()
    const node: Node = {
      tenantId: member.tenantId,
      nodeId,
      kind: 'folder',
      parentId,
      name: input.name,
      state: 'active',
      createdBy: member.memberId,
      createdAt: at,
      updatedAt: at,
      ...listKeys(member.tenantId, tree.space, 'folder', parentId, input.name, nodeId),
    }
    await transaction()
      .add('tree', treeWrite(member.tenantId, tree, { ...tree.folders, [nodeId]: { p: parentId } }))
      .add('node', NodeEntity.build(PutTransaction).item(node))
      .add('audit', audit(member, 'drive.folder.created', nodeId))
      .run({ tree: changed })
    return toItem(node, atLeast(spaceLevel(member, tree.space), 'manage') ? 'manage' : 'edit')
  })

export const getItem = async (member: DriveMember, nodeId: string) => viewOf(await locate(member, nodeId))

/** Renames and/or moves a node within its space; a folder never moves into itself or below itself. */
export const changeNode = (
  member: DriveMember,
  nodeId: string,
  change: { name?: string; parentId?: string | null },
) =>
  retryOnConflict(async () => {
    const l = await locate(member, nodeId)
    if (!atLeast(l.level, 'edit')) throw forbidden('change this item')
    const { node, tree } = l
    const parentId = change.parentId === undefined ? node.parentId : (change.parentId ?? '')
    const name = change.name ?? node.name
    const folders = { ...tree.folders }
    if (parentId !== node.parentId) {
      if (parentId !== '' && spaceOfNode(parentId) !== tree.space) {
        throw new AppError('VALIDATION_FAILED', 'body.parentId: a folder of the same space', [
          { path: 'body.parentId', message: 'items move within their space' },
        ])
      }
      const target = await placeLevel(member, tree, parentId)
      if (!atLeast(target, 'edit')) throw forbidden('move items into that folder')
      if (node.kind === 'folder') {
        if (parentId === nodeId || ancestors(tree, parentId).ids.includes(nodeId)) {
          throw new AppError(
            'VALIDATION_FAILED',
            'body.parentId: a folder cannot move into itself or below itself',
            [{ path: 'body.parentId', message: 'a folder cannot move into itself or below itself' }],
          )
        }
        folders[nodeId] = { ...(folders[nodeId] ?? {}), p: parentId }
      }
    }
    const at = nowIso()
    const tx = transaction().add(
      'node',
      NodeEntity.build(UpdateTransaction)
        .item({
          tenantId: member.tenantId,
          nodeId,
          name,
          parentId,
          updatedAt: at,
          ...listKeys(member.tenantId, tree.space, node.kind, parentId, name, nodeId),
        })
        .options({
          condition: {
            and: [
              { attr: 'state', eq: 'active' },
              { attr: 'parentId', eq: node.parentId },
            ],
          },
        }),
    )
    if (node.kind === 'folder' && parentId !== node.parentId)
      tx.add('tree', treeWrite(member.tenantId, tree, folders))
    else if (parentId !== node.parentId) tx.add('tree', ...treeStill(member.tenantId, tree))
    await tx.add('audit', audit(member, 'drive.item.changed', nodeId)).run({ tree: changed, node: changed })
    return toItem({ ...node, name, parentId, updatedAt: at }, l.level, sharesOf(node, tree))
  })

/**
 * Moves a node to its space's trash. A folder is marked trashed on the tree, which hides everything
 * below it without touching it (restoring it shows it all again); it still counts toward the quota.
 */
export const trashNode = (member: DriveMember, nodeId: string) =>
  retryOnConflict(async () => {
    const l = await locate(member, nodeId)
    if (!atLeast(l.level, 'edit')) throw forbidden('delete this item')
    const at = nowIso()
    const tx = transaction().add(
      'node',
      NodeEntity.build(UpdateTransaction)
        .item({
          tenantId: member.tenantId,
          nodeId,
          state: 'trashed',
          trashedAt: at,
          trashedBy: member.memberId,
          updatedAt: at,
          GSI1PK: $remove(),
          GSI1SK: $remove(),
          GSI2PK: trashPartition(member.tenantId, l.tree.space),
          GSI2SK: `${at}#${nodeId}`,
        })
        .options({ condition: { attr: 'state', eq: 'active' } }),
    )
    if (l.node.kind === 'folder') {
      const folders = {
        ...l.tree.folders,
        [nodeId]: { ...(l.tree.folders[nodeId] ?? { p: l.node.parentId }), t: at },
      }
      tx.add('tree', treeWrite(member.tenantId, l.tree, folders))
    }
    await tx.add('audit', audit(member, 'drive.item.trashed', nodeId)).run({ tree: changed, node: changed })
  })

/** Brings a node back from the trash to where it was, or to its space's root if that folder is gone. */
export const restoreNode = (member: DriveMember, nodeId: string) =>
  retryOnConflict(async () => {
    const l = await locate(member, nodeId, { trashed: true })
    if (!atLeast(l.level, 'manage')) throw forbidden('restore from this trash')
    const { node, tree } = l
    const parentId = node.parentId !== '' && ancestors(tree, node.parentId).hidden ? '' : node.parentId
    const at = nowIso()
    const tx = transaction().add(
      'node',
      NodeEntity.build(UpdateTransaction)
        .item({
          tenantId: member.tenantId,
          nodeId,
          state: 'active',
          parentId,
          updatedAt: at,
          trashedAt: $remove(),
          trashedBy: $remove(),
          GSI2PK: $remove(),
          GSI2SK: $remove(),
          ...listKeys(member.tenantId, tree.space, node.kind, parentId, node.name, nodeId),
        })
        .options({ condition: { attr: 'state', eq: 'trashed' } }),
    )
    if (node.kind === 'folder') {
      const { t: _, ...entry } = tree.folders[nodeId] ?? { p: parentId }
      tx.add(
        'tree',
        treeWrite(member.tenantId, tree, { ...tree.folders, [nodeId]: { ...entry, p: parentId } }),
      )
    } else if (parentId !== '') tx.add('tree', ...treeStill(member.tenantId, tree))
    await tx.add('audit', audit(member, 'drive.item.restored', nodeId)).run({ tree: changed, node: changed })
    return toItem({ ...node, parentId, state: 'active', trashedAt: undefined }, l.level, sharesOf(node, tree))
  })

/** A space's trash, newest first. */
export const listTrash = async (member: DriveMember, space: SpaceName, limit: number, cursor?: string) => {
  const key = spaceKey(member, space)
  const level = spaceLevel(member, key)
  if (!atLeast(level, 'manage')) throw forbidden('see this trash')
  const page = await queryPage(NodeEntity, {
    index: 'GSI2',
    partition: trashPartition(member.tenantId, key),
    limit,
    cursor,
    reverse: true,
  })
  return { items: page.items.map((n) => toItem(n, level)), nextCursor: page.nextCursor }
}

/** Deletes a trashed node for good: a file at once (and its bytes leave the usage), a folder's files in batches. */
export const purgeNode = async (member: DriveMember, nodeId: string) => {
  const l = await locate(member, nodeId, { trashed: true })
  if (!atLeast(l.level, 'manage')) throw forbidden('delete from this trash')
  await purgeLocated(member, l)
}

const purgeLocated = async (member: DriveMember, l: Located) => {
  if (l.node.kind === 'file')
    return purgeFile(member, l.node, audit(member, 'drive.item.purged', l.node.nodeId))
  await retryOnConflict(async () => {
    const tree = await readTree(member.tenantId, l.tree.space)
    const ids = tree.folders[l.node.nodeId] ? subtree(tree.folders, l.node.nodeId) : [l.node.nodeId]
    const folders = { ...tree.folders }
    for (const id of ids) delete folders[id]
    await purgeFolder(
      member,
      l.node,
      ids,
      treeWrite(member.tenantId, tree, folders),
      audit(member, 'drive.item.purged', l.node.nodeId),
    )
  })
}

/** Empties a space's trash a page at a time (a folder's files follow in batches): `more` asks for another call. */
export const emptyTrash = async (member: DriveMember, space: SpaceName) => {
  const { items, nextCursor } = await listTrash(member, space, 25)
  let purged = 0
  for (const item of items) {
    try {
      const l = await locate(member, item.id, { trashed: true })
      await purgeLocated(member, l)
      purged++
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err
    }
  }
  return { purged, more: nextCursor !== undefined }
}

const principalOf = (s: Share) => `${s.to.kind}:${s.to.id}`

/** Sets who a node is shared with (the whole list): its manager only. */
export const setShares = (member: DriveMember, nodeId: string, shares: Share[]) =>
  retryOnConflict(async () => {
    const l = await locate(member, nodeId)
    if (!atLeast(l.level, 'manage')) throw forbidden('share this item')
    const seen = new Set<string>()
    for (const [i, s] of shares.entries()) {
      if (seen.has(principalOf(s)))
        throw new AppError('VALIDATION_FAILED', `body.shares.${i}: named twice`, [
          { path: `body.shares.${i}.to`, message: 'named twice' },
        ])
      seen.add(principalOf(s))
    }
    const before = new Map(sharesOf(l.node, l.tree).map((s) => [principalOf(s), s]))
    const at = nowIso()
    const tx = transaction()
    if (l.node.kind === 'folder') {
      const { s: _, ...rest } = l.tree.folders[nodeId] ?? { p: l.node.parentId }
      const entry = shares.length > 0 ? { ...rest, s: shares } : rest
      tx.add('tree', treeWrite(member.tenantId, l.tree, { ...l.tree.folders, [nodeId]: entry }))
    }
    tx.add(
      'node',
      NodeEntity.build(UpdateTransaction)
        .item({
          tenantId: member.tenantId,
          nodeId,
          updatedAt: at,
          ...(l.node.kind === 'file' ? { shares: shares.length ? JSON.stringify(shares) : $remove() } : {}),
        })
        .options({ condition: { attr: 'state', eq: 'active' } }),
    )
    for (const p of before.keys())
      if (!seen.has(p))
        tx.add(
          'shared',
          SharedEntity.build(DeleteTransaction).key({ tenantId: member.tenantId, nodeId, principal: p }),
        )
    for (const s of shares) {
      const p = principalOf(s)
      if (before.get(p)?.access === s.access) continue
      tx.add(
        'shared',
        SharedEntity.build(PutTransaction).item({
          tenantId: member.tenantId,
          nodeId,
          principal: p,
          access: s.access,
          sharedAt: at,
          sharedBy: member.memberId,
          GSI2PK: sharedPartition(member.tenantId, p),
          GSI2SK: `${at}#${nodeId}`,
        }),
      )
    }
    try {
      await tx.add('audit', audit(member, 'drive.item.shared', nodeId)).run({ tree: changed, node: changed })
    } catch (err) {
      if (err instanceof ConditionsFailed) throw changed()
      throw err
    }
    return toItem(l.node, l.level, shares)
  })

/**
 * What others shared with the member, directly, through one of their departments or one of their
 * groups (newest first, at most 100): items trashed or deleted since are left out.
 */
export const sharedWithMe = async (member: DriveMember) => {
  const groups = await memberGroupIds(member, member.memberId)
  const principals = [
    `member:${member.memberId}`,
    ...member.departmentIds.map((d) => `department:${d}`),
    ...groups.map((g) => `group:${g}`),
  ]
  const pages = await Promise.all(
    principals.map((p) =>
      queryPage(SharedEntity, {
        index: 'GSI2',
        partition: sharedPartition(member.tenantId, p),
        limit: 100,
        reverse: true,
      }),
    ),
  )
  const best = new Map<string, { access: 'read' | 'edit'; sharedAt: string }>()
  for (const s of pages.flatMap((p) => p.items)) {
    const had = best.get(s.nodeId)
    if (!had || (had.access === 'read' && s.access === 'edit'))
      best.set(s.nodeId, { access: s.access, sharedAt: s.sharedAt })
  }
  const ids = [...best.keys()]
    .sort((a, b) => (best.get(b)?.sharedAt ?? '').localeCompare(best.get(a)?.sharedAt ?? ''))
    .slice(0, 100)
  const nodes = await batchGetRequests(
    ids.map((nodeId) => NodeEntity.build(BatchGetRequest).key({ tenantId: member.tenantId, nodeId })),
  )
  return {
    items: nodes.flatMap((n) =>
      n && n.state === 'active'
        ? [toItem(n as unknown as Node, best.get(n.nodeId as string)?.access ?? 'read')]
        : [],
    ),
  }
}
