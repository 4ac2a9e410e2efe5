import { S3Client } from '@aws-sdk/client-s3'
import { type AwsResource, recordAwsCommand } from '../core/aws-command-log.js'
import { config } from '../core/config.js'

let client: S3Client | undefined

/**
 * One client per container. Locally it talks to the stand-in (scripts/local/s3.ts): path-style
 * addresses (no bucket subdomains on localhost), and checksums only where S3 requires them (the
 * stand-in knows none of the SDK's default CRC32 headers).
 */
export const s3 = (): S3Client => {
  if (client) return client
  const { AWS_REGION, S3_ENDPOINT } = config()
  client = new S3Client({
    region: AWS_REGION,
    ...(S3_ENDPOINT
      ? {
          endpoint: S3_ENDPOINT,
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  })
  return client
}

/** Tests point the process at another stand-in between suites. */
export const resetS3Client = (): void => {
  client = undefined
}

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
