import { S3Client } from '@aws-sdk/client-s3'
import { config } from '../core/config.js'
import { LOCAL_S3_CREDENTIALS } from './s3-target.js'

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
          credentials: LOCAL_S3_CREDENTIALS,
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
