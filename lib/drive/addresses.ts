import { presignS3 } from '../media/presign.js'
import { recordS3 } from '../media/s3-target.js'

/**
 * Drive objects sit under `drive/<tenantId>/` in the media bucket, whose public read covers
 * `media/*` only: they are private, reached through short-lived presigned addresses given after a
 * permission check. The tenant is in every key, so a release deletes one prefix.
 */
export const tenantPrefix = (tenantId: string) => `drive/${tenantId}/`
export const objectKey = (tenantId: string, nodeId: string, version: number) =>
  `${tenantPrefix(tenantId)}${nodeId}/v${version}`

export const presignPut = (key: string, contentType: string, size: number, seconds: number) => {
  recordS3('s3:PutObject', key)
  return presignS3({
    method: 'PUT',
    key,
    headers: { 'content-type': contentType, 'content-length': String(size) },
    seconds,
  })
}

export const presignPart = (key: string, uploadId: string, partNumber: number, seconds: number) => {
  recordS3('s3:PutObject', key)
  return presignS3({
    method: 'PUT',
    key,
    query: { partNumber: String(partNumber), uploadId },
    seconds,
  })
}

/** RFC 6266: an ASCII fallback and the UTF-8 name, so any name downloads under itself. */
const disposition = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`

export const presignGet = (key: string, name: string, contentType: string, seconds: number) => {
  recordS3('s3:GetObject', key)
  return presignS3({
    method: 'GET',
    key,
    query: { 'response-content-disposition': disposition(name), 'response-content-type': contentType },
    seconds,
  })
}
