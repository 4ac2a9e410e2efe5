import { type AwsResource, recordAwsCommand } from '../core/aws-command-log.js'

/** The local stand-in's keys (scripts/local/s3.ts), for the client and the presigner alike. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export type S3Action =
  | 's3:PutObject'
  | 's3:GetObject'
  | 's3:DeleteObject'
  | 's3:AbortMultipartUpload'
  | 's3:ListBucket'

/**
 * The IAM action an S3 use needs, on the key's first two segments (`media/t`, `drive/<tenantId>`),
 * or on the bucket itself for a listing: test/iam checks the role.
 */
export const recordS3 = (action: S3Action, key: string): void =>
  recordAwsCommand(
    action,
    action === 's3:ListBucket'
      ? 'media-bucket'
      : (`media-bucket/${key.split('/').slice(0, 2).join('/')}` as AwsResource),
  )
