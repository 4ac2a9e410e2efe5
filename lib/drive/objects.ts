import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { config } from '../core/config.js'
import { recordS3, s3 } from '../media/s3.js'

/**
 * Drive objects sit under `drive/<tenantId>/` in the media bucket, whose public read covers
 * `media/*` only: they are private, reached through short-lived presigned addresses given after a
 * permission check. The tenant is in every key, so a release deletes one prefix.
 */
const tenantPrefix = (tenantId: string) => `drive/${tenantId}/`
export const objectKey = (tenantId: string, nodeId: string, version: number) =>
  `${tenantPrefix(tenantId)}${nodeId}/v${version}`

const bucket = () => config().MEDIA_BUCKET

export const presignPut = (key: string, contentType: string, size: number, seconds: number) => {
  recordS3('s3:PutObject', key)
  return getSignedUrl(
    s3(),
    new PutObjectCommand({ Bucket: bucket(), Key: key, ContentType: contentType, ContentLength: size }),
    { expiresIn: seconds, signableHeaders: new Set(['content-type', 'content-length']) },
  )
}

export const startMultipart = async (key: string, contentType: string): Promise<string> => {
  recordS3('s3:PutObject', key)
  const out = await s3().send(
    new CreateMultipartUploadCommand({ Bucket: bucket(), Key: key, ContentType: contentType }),
  )
  if (!out.UploadId) throw new Error('no multipart upload id')
  return out.UploadId
}

export const presignPart = (key: string, uploadId: string, partNumber: number, seconds: number) => {
  recordS3('s3:PutObject', key)
  return getSignedUrl(
    s3(),
    new UploadPartCommand({ Bucket: bucket(), Key: key, UploadId: uploadId, PartNumber: partNumber }),
    { expiresIn: seconds },
  )
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

/** RFC 6266: an ASCII fallback and the UTF-8 name, so any name downloads under itself. */
const disposition = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`

export const presignGet = (key: string, name: string, contentType: string, seconds: number) => {
  recordS3('s3:GetObject', key)
  return getSignedUrl(
    s3(),
    new GetObjectCommand({
      Bucket: bucket(),
      Key: key,
      ResponseContentDisposition: disposition(name),
      ResponseContentType: contentType,
    }),
    { expiresIn: seconds },
  )
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
