import { GetItemCommand } from 'dynamodb-toolbox'
import { nowMs } from '../core/clock.js'
import { AppError, notFound } from '../core/errors.js'
import { type DriveMember, type Located, locate, type Node } from './access.js'
import { objectKey, presignGet } from './addresses.js'
import { NodeEntity } from './entities.js'
import { viewOf } from './nodes.js'
import { isNodeId } from './rules.js'
import type { DriveItem } from './schemas.js'

const DOWNLOAD_SECONDS = 300

const fileOnly = <L extends { node: Node }>(l: L) => {
  if (l.node.kind !== 'file')
    throw new AppError('INVALID_STATE', 'a folder has no download; download its files')
  return l
}

const presignedDownload = async (node: Node) => {
  const url = await presignGet(
    objectKey(node.tenantId, node.nodeId, node.version ?? 1),
    node.name,
    node.contentType ?? 'application/octet-stream',
    DOWNLOAD_SECONDS,
  )
  return { url, expiresAt: new Date(nowMs() + DOWNLOAD_SECONDS * 1000).toISOString() }
}

/** A short-lived address of a file's bytes, served under the file's name: after the member's check. */
export const downloadOf = async (l: Located) => presignedDownload(fileOnly(l).node)

export const downloadFor = async (member: DriveMember, fileId: string) =>
  downloadOf(await locate(member, fileId))

/**
 * For other capabilities (a file in a chat message, an approval's attachment): the file as
 * `member` may see it, or 404 when they may not read it (another tenant's id, trashed, not
 * shared with them). `member` is who will open it, with their direct departments (a share with a
 * department reaches its direct members) and permissions; build it with driveMemberOf for the caller.
 */
export const fileForMember = async (member: DriveMember, fileId: string): Promise<DriveItem> =>
  viewOf(fileOnly(await locate(member, fileId)))

/** The download address of a file `member` may read (404 otherwise), five minutes long. */
export const downloadUrl = (member: DriveMember, fileId: string) => downloadFor(member, fileId)

/**
 * For a capability that did its own access check (an approval's participants download the files
 * attached to it, whoever the drive shows them to): the download address of a file of the tenant,
 * with no member check. A trashed file still downloads (an attachment outlives its owner's tidying
 * up until the file is deleted for good); anything else answers 404. One GetItem.
 */
export const attachmentDownload = async (tenantId: string, fileId: string) => {
  if (!isNodeId(fileId)) throw notFound('drive file')
  const { Item } = await NodeEntity.build(GetItemCommand).key({ tenantId, nodeId: fileId }).send()
  if (Item?.kind !== 'file' || Item.state === 'uploading') throw notFound('drive file')
  return presignedDownload(Item)
}
