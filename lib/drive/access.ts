import { BatchGetRequest, type FormattedItem } from 'dynamodb-toolbox'
import { checkedPlaceOf } from '../auth/session-check.js'
import type { TenantCaller } from '../core/auth/caller.js'
import type { Permission } from '../core/auth/permissions.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantId } from '../core/tenancy.js'
import { memberGroupIds } from '../directory/groups.js'
import { getMembership } from '../identity/accounts.js'
import { NodeEntity, TreeEntity } from './entities.js'
import { isNodeId } from './rules.js'
import type { Share, SpaceName } from './schemas.js'

/** Who uses the drive: a member, with what the session check read (no request more). */
export interface DriveMember {
  tenantId: TenantId
  memberId: string
  departmentIds: readonly string[]
  permissions: readonly Permission[]
}

/** The permission that manages the enterprise space (the tenant administrator holds it). */
export const DRIVE_ADMIN: Permission = 'drive.write'

export const driveMemberOf = async (caller: TenantCaller): Promise<DriveMember> => {
  const { tenantId, actor } = caller.tenant
  const departmentIds =
    checkedPlaceOf(caller)?.departmentIds ??
    (await getMembership('tenant', tenantId, caller.accountId))?.departmentIds ??
    []
  return { tenantId, memberId: caller.accountId, departmentIds, permissions: actor.permissions }
}

/** A space's key: `e`, or `p<memberId>`; node ids begin with it. */
export const spaceKey = (member: DriveMember, space: SpaceName): string =>
  space === 'enterprise' ? 'e' : `p${member.memberId}`
export const spaceOfNode = (nodeId: string): string => (nodeId.startsWith('e') ? 'e' : nodeId.slice(0, 27))
export const spaceName = (key: string): SpaceName => (key === 'e' ? 'enterprise' : 'personal')
export const newNodeId = (space: string): string => `${space}${newId()}`

export type Folders = Record<string, { p: string; t?: string; s?: Share[] }>
export interface Tree {
  space: string
  folders: Folders
  /** 0: never written */
  version: number
}
export type Node = FormattedItem<typeof NodeEntity>

export const LEVELS = ['none', 'read', 'edit', 'manage'] as const
export type Level = (typeof LEVELS)[number]
const rank = (l: Level) => LEVELS.indexOf(l)
const max = (a: Level, b: Level): Level => (rank(a) >= rank(b) ? a : b)
export const atLeast = (l: Level, wanted: Level) => rank(l) >= rank(wanted)

/** What a member may do in a space without any share. */
export const spaceLevel = (member: DriveMember, space: string): Level =>
  space === 'e'
    ? member.permissions.includes(DRIVE_ADMIN)
      ? 'manage'
      : 'read'
    : space === `p${member.memberId}`
      ? 'manage'
      : 'none'

export const treeRequest = (tenantId: string, space: string) =>
  TreeEntity.build(BatchGetRequest).key({ tenantId, space })

export const treeOf = (space: string, item: Record<string, unknown> | undefined): Tree => ({
  space,
  folders: item ? (JSON.parse(item.folders as string) as Folders) : {},
  version: item ? Number(item.version) : 0,
})

/**
 * The folders above a place (from its parent up), and whether a trashed or purged one hides it.
 * Bounded by the tree: a cycle cannot be stored (moves are checked), and is stopped anyway.
 */
export const ancestors = (tree: Tree, parentId: string): { ids: string[]; hidden: boolean } => {
  const ids: string[] = []
  for (let at = parentId; at !== ''; ) {
    const f = tree.folders[at]
    if (!f || f.t || ids.includes(at)) return { ids, hidden: true }
    ids.push(at)
    at = f.p
  }
  return { ids, hidden: false }
}

export const sharesOf = (node: Node, tree: Tree): Share[] =>
  node.kind === 'folder' ? (tree.folders[node.nodeId]?.s ?? []) : node.shares ? JSON.parse(node.shares) : []

/**
 * What a member may do with a node: their space's level, raised by any share of the node or a
 * folder above it naming them, one of their own departments (direct members: a department's share
 * does not reach the departments below it, so no tree of the directory is read) or one of their
 * groups (read only when a group share could raise the level: one query of the member's groups).
 */
export const levelOn = async (member: DriveMember, tree: Tree, shares: Share[][]): Promise<Level> => {
  let level = spaceLevel(member, tree.space)
  if (atLeast(level, 'edit')) return level
  const all = shares.flat()
  const depts = new Set(member.departmentIds)
  const direct = all.filter(
    (s) =>
      (s.to.kind === 'member' && s.to.id === member.memberId) ||
      (s.to.kind === 'department' && depts.has(s.to.id)),
  )
  for (const s of direct) level = max(level, s.access)
  const groupShares = all.filter((s) => s.to.kind === 'group' && rank(s.access) > rank(level))
  if (groupShares.length > 0) {
    const mine = new Set(await memberGroupIds(member, member.memberId))
    for (const s of groupShares) if (mine.has(s.to.id)) level = max(level, s.access)
  }
  return level
}

export interface Located {
  node: Node
  tree: Tree
  level: Level
  /** the folders above it */
  path: string[]
}

/**
 * A node with its space's tree and what the member may do with it, in one BatchGetItem (and the
 * member's groups only where a group share decides). Another tenant's id, a node hidden by a
 * trashed folder, or one the member may not read are all 404: they are not theirs to know of.
 * `trashed`: a node in the trash is what is wanted (restore, purge).
 */
export const locate = async (
  member: DriveMember,
  nodeId: string,
  options: { trashed?: boolean; uploading?: boolean } = {},
): Promise<Located> => {
  const { node: n, tree, up, space } = await nodeInTenant(member.tenantId, nodeId, options)
  const level = options.trashed
    ? spaceLevel(member, space)
    : await levelOn(member, tree, [sharesOf(n, tree), ...up.ids.map((id) => tree.folders[id]?.s ?? [])])
  if (!atLeast(level, 'read')) throw notFound('drive item')
  return { node: n, tree, level, path: up.ids }
}

/**
 * A node of the tenant with its space's tree, in one BatchGetItem, before anyone's access is
 * weighed: 404 for an id of another shape or tenant, a node in another state than wanted, or one
 * hidden by a trashed folder (unless the trashed is wanted).
 */
export const nodeInTenant = async (
  tenantId: string,
  nodeId: string,
  options: { trashed?: boolean; uploading?: boolean } = {},
) => {
  if (!isNodeId(nodeId)) throw notFound('drive item')
  const space = spaceOfNode(nodeId)
  const [node, treeItem] = await batchGetRequests(
    [NodeEntity.build(BatchGetRequest).key({ tenantId, nodeId }), treeRequest(tenantId, space)],
    { consistent: true },
  )
  const wanted = options.trashed ? 'trashed' : options.uploading ? 'uploading' : 'active'
  if (!node || node.state !== wanted) throw notFound('drive item')
  const n = node as unknown as Node
  const tree = treeOf(space, treeItem)
  const up = ancestors(tree, n.parentId)
  if (up.hidden && !options.trashed) throw notFound('drive item')
  return { node: n, tree, up, space }
}
