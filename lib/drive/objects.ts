import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3'
import { config } from '../core/config.js'
import { s3 } from '../media/s3.js'
import { recordS3 } from '../media/s3-target.js'

import { tenantPrefix } from './addresses.js'

const bucket = () => config().MEDIA_BUCKET

export const startMultipart = async (key: string, contentType: string): Promise<string> => {
  recordS3('s3:PutObject', key)
  const out = await s3().send(
    new CreateMultipartUploadCommand({ Bucket: bucket(), Key: key, ContentType: contentType }),
  )
  if (!out.UploadId) throw new Error('no multipart upload id')
  return out.UploadId
}

/** Joins a multipart upload's parts, as the uploader reports them (each part's ETag, from its PUT's answer). */
export const finishMultipart = async (
  key: string,
  uploadId: string,
  parts: { partNumber: number; etag: string }[],
) => {
  recordS3('s3:PutObject', key)
  await s3().send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket(),
      Key: key,
      UploadId: uploadId,
      MultipartUpload: {
        Parts: [...parts]
          .sort((a, b) => a.partNumber - b.partNumber)
          .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
      },
    }),
  )
}

/** The stored object's size, or undefined when nothing is there. */
export const objectSize = async (key: string): Promise<number | undefined> => {
  recordS3('s3:GetObject', key)
  try {
    const out = await s3().send(new HeadObjectCommand({ Bucket: bucket(), Key: key }))
    return Number(out.ContentLength ?? 0)
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    if (status === 404 || (err as Error).name === 'NotFound') return undefined
    throw err
  }
}

/** A file's object, or the multipart upload that was to become it, goes. */
export const removeObject = async (key: string, multipartId?: string): Promise<void> => {
  if (multipartId) {
    recordS3('s3:AbortMultipartUpload', key)
    await s3()
      .send(new AbortMultipartUploadCommand({ Bucket: bucket(), Key: key, UploadId: multipartId }))
      .catch(() => undefined)
  }
  recordS3('s3:DeleteObject', key)
  await s3().send(new DeleteObjectCommand({ Bucket: bucket(), Key: key }))
}

/** Deletes up to `budget` of a tenant's objects (its release); says whether any are left. */
export const deleteTenantObjects = async (tenantId: string, budget: number) => {
  const prefix = tenantPrefix(tenantId)
  recordS3('s3:ListBucket', prefix)
  const out = await s3().send(
    new ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix, MaxKeys: Math.min(budget, 1000) }),
  )
  const keys = (out.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []))
  if (keys.length > 0) {
    recordS3('s3:DeleteObject', prefix)
    await s3().send(new DeleteObjectsCommand({ Bucket: bucket(), Delete: { Objects: keys, Quiet: true } }))
  }
  return { deleted: keys.length, done: !out.IsTruncated && keys.length < budget }
}
