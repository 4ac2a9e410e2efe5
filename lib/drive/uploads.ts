import {
  $add,
  $remove,
  DeleteTransaction,
  GetItemCommand,
  PutTransaction,
  UpdateItemCommand,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { auditWrite } from '../core/audit.js'
import { nowIso, nowMs } from '../core/clock.js'
import { retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { dueKeys } from '../core/due.js'
import { AppError } from '../core/errors.js'
import { type DriveMember, locate, newNodeId } from './access.js'
import { objectKey, presignPart, presignPut } from './addresses.js'
import { NodeEntity, UsageEntity } from './entities.js'
import { listKeys, placeFor, toItem, treeStill } from './nodes.js'
import { finishMultipart, objectSize, removeObject, startMultipart } from './objects.js'
import { MAX_PARTS, PART_BYTES } from './rules.js'
import type { Completion, DriveItem, Upload, UploadRequest } from './schemas.js'
import { quotaExceeded, usageChange } from './usage.js'

/** The built-in app a tenant's edition must include for its members to upload. */
export const DRIVE_APP = 'drive'
/** The due kind of an upload never completed: its reservation is released. */
export const UPLOAD_DUE = 'DRIVEUP'

/** How long presigned upload addresses live; an upload not completed a day later is released. */
const SINGLE_SECONDS = 3600
const PART_SECONDS = 6 * 3600
const ABANDONED_AFTER_MS = 24 * 3600 * 1000

const noDrive = () =>
  new AppError('PLAN_LIMIT_EXCEEDED', "the workbench's edition does not include the drive", {
    app: DRIVE_APP,
  })

/** Parts of at least PART_BYTES, grown so a file needs at most MAX_PARTS. */
const partBytesFor = (size: number) => Math.max(PART_BYTES, Math.ceil(size / MAX_PARTS))

/**
 * Starts an upload: the bytes announced are reserved against the quota in the transaction that
 * writes the (still invisible) file, which also checks that the drive app is bound and the folder
 * is as read; then one presigned PUT, or a multipart upload with a presigned PUT per part.
 */
export const startUpload = async (
  member: DriveMember,
  quota: number,
  req: UploadRequest,
): Promise<Upload> => {
  const { tenantId } = member
  if (req.size > quota) throw await quotaExceeded(tenantId, req.size, quota)
  const nodeId = await retryOnConflict(async () => {
    const place = await placeFor(member, req.space, req.parentId, 'edit')
    const id = newNodeId(place.tree.space)
    const at = nowIso()
    try {
      await transaction()
        .add('usage', usageChange(tenantId, req.size, quota))
        .add(
          'node',
          NodeEntity.build(PutTransaction).item({
            tenantId,
            nodeId: id,
            kind: 'file',
            parentId: place.parentId,
            name: req.name,
            state: 'uploading',
            size: req.size,
            contentType: req.contentType,
            version: 1,
            createdBy: member.memberId,
            createdAt: at,
            updatedAt: at,
            ...dueKeys(new Date(nowMs() + ABANDONED_AFTER_MS).toISOString(), UPLOAD_DUE, tenantId, id),
          }),
        )
        .add('edition', tenantAppStill(tenantId, DRIVE_APP, 'active'))
        .add('tree', ...treeStill(tenantId, place.tree))
        .run({ edition: noDrive, tree: () => new StaleRead('the folder changed') })
    } catch (err) {
      if (err instanceof ConditionsFailed && err.has('usage'))
        throw await quotaExceeded(tenantId, req.size, quota)
      throw err
    }
    return id
  }, 30)
  const key = objectKey(tenantId, nodeId, 1)
  const expiresAt = (s: number) => new Date(nowMs() + s * 1000).toISOString()
  const partBytes = partBytesFor(req.size)
  if (req.size <= partBytes) {
    return {
      uploadId: nodeId,
      method: 'single',
      url: await presignPut(key, req.contentType, req.size, SINGLE_SECONDS),
      expiresAt: expiresAt(SINGLE_SECONDS),
    }
  }
  const multipartId = await startMultipart(key, req.contentType)
  await NodeEntity.build(UpdateItemCommand)
    .item({ tenantId, nodeId, multipartId })
    .options({ condition: { attr: 'state', eq: 'uploading' } })
    .send()
  const count = Math.ceil(req.size / partBytes)
  const parts = await Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      partNumber: i + 1,
      url: await presignPart(key, multipartId, i + 1, PART_SECONDS),
      size: i === count - 1 ? req.size - partBytes * (count - 1) : partBytes,
    })),
  )
  return { uploadId: nodeId, method: 'multipart', parts, partBytes, expiresAt: expiresAt(PART_SECONDS) }
}

/**
 * Completes an upload: the object's real size (after joining the parts) replaces the reservation,
 * growing it only within the quota, and the file appears in its folder. The uploader only.
 */
export const completeUpload = async (
  member: DriveMember,
  quota: number,
  uploadId: string,
  completion: Completion,
): Promise<DriveItem> => {
  const { tenantId } = member
  const l = await locate(member, uploadId, { uploading: true })
  if (l.node.createdBy !== member.memberId) throw new AppError('NOT_FOUND', 'drive item not found')
  const key = objectKey(tenantId, uploadId, 1)
  if (l.node.multipartId) {
    if (!completion.parts?.length) {
      throw new AppError('VALIDATION_FAILED', 'body.parts: a multipart upload names its parts', [
        { path: 'body.parts', message: "each part's number and the ETag its PUT answered" },
      ])
    }
    await finishMultipart(key, l.node.multipartId, completion.parts).catch((err) => {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 400)
        throw notUploaded()
      throw err
    })
  }
  const size = await objectSize(key)
  if (size === undefined) throw notUploaded()
  const reserved = l.node.size ?? 0
  const at = nowIso()
  const done = await retryOnConflict(async () => {
    const again = await locate(member, uploadId, { uploading: true })
    try {
      await transaction()
        .add(
          'node',
          NodeEntity.build(UpdateTransaction)
            .item({
              tenantId,
              nodeId: uploadId,
              state: 'active',
              size,
              updatedAt: at,
              multipartId: $remove(),
              DUEPK: $remove(),
              DUESK: $remove(),
              ...listKeys(tenantId, again.tree.space, 'file', again.node.parentId, again.node.name, uploadId),
            })
            .options({ condition: { attr: 'state', eq: 'uploading' } }),
        )
        .add('usage', ...(size === reserved ? [] : [usageChange(tenantId, size - reserved, quota)]))
        .add('tree', ...treeStill(tenantId, again.tree))
        .add(
          'audit',
          auditWrite(member, { actorId: member.memberId, action: 'drive.file.uploaded', targetId: uploadId }),
        )
        .run({
          tree: () => new StaleRead('the folder changed'),
          node: () => new StaleRead('the upload changed'),
        })
      return { ...again, node: { ...again.node, state: 'active' as const, size, updatedAt: at } }
    } catch (err) {
      if (err instanceof ConditionsFailed && err.has('usage')) return undefined
      throw err
    }
  })
  if (!done) {
    await releaseUpload(tenantId, uploadId)
    throw await quotaExceeded(tenantId, size - reserved, quota)
  }
  return toItem(done.node, done.level)
}

const notUploaded = () =>
  new AppError('INVALID_STATE', 'the file has not been uploaded yet: send its bytes first')

/** Cancels an upload not completed (an abandoned one when due, or the uploader's cancel): its reservation goes. */
export const releaseUpload = async (tenantId: string, nodeId: string): Promise<string> => {
  const { Item } = await NodeEntity.build(GetItemCommand)
    .key({ tenantId, nodeId })
    .options({ consistent: true })
    .send()
  if (Item?.state !== 'uploading') return 'drive-upload-done'
  await retryOnConflict(() =>
    transaction()
      .add(
        'node',
        NodeEntity.build(DeleteTransaction)
          .key({ tenantId, nodeId })
          .options({ condition: { attr: 'state', eq: 'uploading' } }),
      )
      .add('usage', UsageEntity.build(UpdateTransaction).item({ tenantId, used: $add(-(Item.size ?? 0)) }))
      .run(),
  )
  await removeObject(objectKey(tenantId, nodeId, Item.version ?? 1), Item.multipartId)
  return 'drive-upload-released'
}
