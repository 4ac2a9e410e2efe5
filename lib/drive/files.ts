import { nowMs } from '../core/clock.js'
import { AppError } from '../core/errors.js'
import type { TenantId } from '../core/tenancy.js'
import { type DriveMember, locate, type Node, nodeInTenant } from './access.js'
import { viewOf } from './nodes.js'
import { objectKey, presignGet } from './objects.js'
import type { DriveItem } from './schemas.js'

const DOWNLOAD_SECONDS = 300

const fileOnly = <L extends { node: Node }>(l: L) => {
  if (l.node.kind !== 'file')
    throw new AppError('INVALID_STATE', 'a folder has no download; download its files')
  return l
}

/** A short-lived address of a file's bytes, served under the file's name: after the member's check. */
export const downloadOf = async (l: { node: Node }) => {
  fileOnly(l)
  const url = await presignGet(
    objectKey(l.node.tenantId, l.node.nodeId, l.node.version ?? 1),
    l.node.name,
    l.node.contentType ?? 'application/octet-stream',
    DOWNLOAD_SECONDS,
  )
  return { url, expiresAt: new Date(nowMs() + DOWNLOAD_SECONDS * 1000).toISOString() }
}

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
 * For capabilities that did their own access check (a file message, whose conversation's members
 * all open it whether or not the drive lets them): the download address of a file of the tenant,
 * without a member's check. A file trashed (or under a trashed folder), purged, or replaced by
 * nothing answers 404 like any missing file: what refers to it shows it as gone, and a restore
 * from the trash brings it back. The current version is served.
 */
export const attachmentDownload = async (tenantId: TenantId, fileId: string) =>
  downloadOf(fileOnly(await nodeInTenant(tenantId, fileId)))
