import { Entity, item, number, string } from 'dynamodb-toolbox'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'

/**
 * Drive items live in the tenant's partition (its release purges them with it). A node is a file or
 * a folder. Its id says its space (`e…` the enterprise's, `p<memberId>…` a member's), so one
 * BatchGetItem reads a node with its space's folder tree and settles who may use it.
 */
export const NODE_STATES = ['uploading', 'active', 'trashed'] as const

export const NodeEntity = new Entity({
  name: 'DriveNode',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    nodeId: string().key(),
    kind: string().enum('file', 'folder'),
    /** the folder it is in ('' : the space's root) */
    parentId: string(),
    name: string(),
    state: string().enum(...NODE_STATES),
    createdBy: string(),
    createdAt: string(),
    updatedAt: string(),
    /** files: bytes counted against the quota (while uploading: the bytes reserved) */
    size: number().optional(),
    contentType: string().optional(),
    version: number().optional(),
    /** a multipart upload under way */
    multipartId: string().optional(),
    /** a file's shares, JSON (a folder's are on its space's tree) */
    shares: string().optional(),
    trashedAt: string().optional(),
    trashedBy: string().optional(),
    /** listed in its folder while active: `T#<id>#DRIVEDIR#<folder>` / `<0 folder|1 file>#<name>#<id>` */
    GSI1PK: string().optional(),
    GSI1SK: string().optional(),
    /** listed in its space's trash while trashed: `T#<id>#DRIVETRASH#<space>` / `<trashedAt>#<id>` */
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
    /** an upload waiting to complete: released when due (abandoned) */
    DUEPK: string().optional(),
    DUESK: string().optional(),
  }),
  computeKey: ({ tenantId, nodeId }: { tenantId: string; nodeId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `DRIVE#N#${nodeId}`,
  }),
})

/**
 * A space's folders, whole on one item (JSON: folder id → parent, trashed, shares), like the
 * department tree: a move is checked for cycles and a trashed ancestor hides a subtree without
 * touching it, both against one versioned item, and every check of a node reads it in the same
 * batch as the node. Bounded (MAX_FOLDERS, MAX_TREE_BYTES).
 */
export const TreeEntity = new Entity({
  name: 'DriveTree',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    space: string().key(),
    folders: string(),
    version: number(),
  }),
  computeKey: ({ tenantId, space }: { tenantId: string; space: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `DRIVE#TREE#${space}`,
  }),
})

/** The tenant's drive usage: bytes of files, trash and reservations, one counter, changed under conditions. */
export const UsageEntity = new Entity({
  name: 'DriveUsage',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    used: number(),
  }),
  computeKey: ({ tenantId }: { tenantId: string }) => ({ PK: tenantPartition(tenantId), SK: 'DRIVE#USAGE' }),
})

/**
 * One share of a node with one member, department or group, for their "shared with me" list
 * (GSI2 `T#<id>#DRIVESHARED#<kind>#<id>`); the node (or its tree) holds the same share for checks.
 */
export const SharedEntity = new Entity({
  name: 'DriveShared',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    nodeId: string().key(),
    principal: string().key(),
    access: string().enum('read', 'edit'),
    sharedAt: string(),
    sharedBy: string(),
    GSI2PK: string(),
    GSI2SK: string(),
  }),
  computeKey: ({ tenantId, nodeId, principal }: { tenantId: string; nodeId: string; principal: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `DRIVE#SHARE#${nodeId}#${principal}`,
  }),
})

/** A folder's (or a trashed subtree's) files still to purge, a batch per run: its items and objects. */
export const PurgeEntity = new Entity({
  name: 'DrivePurge',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    purgeId: string().key(),
    folderIds: string(),
    DUEPK: string(),
    DUESK: string(),
  }),
  computeKey: ({ tenantId, purgeId }: { tenantId: string; purgeId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `DRIVE#PURGE#${purgeId}`,
  }),
})

export const folderListPartition = (tenantId: string, parentKey: string) =>
  tenantIndexPartition(tenantId, 'DRIVEDIR', parentKey)
export const trashPartition = (tenantId: string, space: string) =>
  tenantIndexPartition(tenantId, 'DRIVETRASH', space)
export const sharedPartition = (tenantId: string, principal: string) =>
  tenantIndexPartition(tenantId, 'DRIVESHARED', principal)
