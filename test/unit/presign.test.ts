import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { resetConfig } from '../../lib/core/config.js'
import { resetDocumentClient } from '../../lib/core/db/client.js'
import { presignGet, presignPart, presignPut } from '../../lib/drive/addresses.js'
import { presignPost } from '../../lib/media/presign.js'

/**
 * Media and drive addresses are signed without the S3 client (lib/media/presign.ts). They must be
 * the very addresses and forms the S3 client signs, so each is compared with the SDK's presigners
 * for the same object at the same instant, with the SDK's operation marker (`x-id`) taken out of
 * its request before it signs: S3 ignores that marker, and it is the one parameter we leave out.
 */
const KEY = 'drive/T0123456789ABCDEFGHJKMNP/N0123456789ABCDEFGHJKMNP/v2'
const AT = new Date('2026-03-01T10:00:00Z')

const sdkClient = (extra: S3ClientConfig) => {
  const client = new S3Client({
    region: 'eu-west-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  })
  client.middlewareStack.add(
    (next) => async (args) => {
      delete (args.request as { query: Record<string, unknown> }).query['x-id']
      return next(args)
    },
    { step: 'build', name: 'dropOperationMarker' },
  )
  return client
}

const disposition = `attachment; filename="Q1 report (final)_.pdf"; filename*=UTF-8''Q1%20report%20(final)%E2%9C%93.pdf`

const compare = async (client: S3Client, bucket: string) => {
  const sdk = {
    put: await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: KEY, ContentType: 'application/pdf', ContentLength: 5120 }),
      { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length']), signingDate: AT },
    ),
    part: await getSignedUrl(
      client,
      new UploadPartCommand({ Bucket: bucket, Key: KEY, UploadId: 'up.Load~id_1', PartNumber: 3 }),
      { expiresIn: 3600, signingDate: AT },
    ),
    get: await getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: bucket,
        Key: KEY,
        ResponseContentDisposition: disposition,
        ResponseContentType: 'application/pdf',
      }),
      { expiresIn: 300, signingDate: AT },
    ),
  }
  jest.useFakeTimers({ now: AT, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
  try {
    const conditions = [
      ['content-length-range', 1, 2048],
      ['eq', '$Content-Type', 'image/png'],
    ]
    const form = { 'Content-Type': 'image/png' }
    expect(
      await presignPost({ key: 'media/t/T1/logo/1.png', fields: form, conditions, seconds: 300 }),
    ).toEqual(
      await createPresignedPost(client, {
        Bucket: bucket,
        Key: 'media/t/T1/logo/1.png',
        Conditions: conditions as never,
        Fields: form,
        Expires: 300,
      }),
    )
    expect(await presignPut(KEY, 'application/pdf', 5120, 300)).toBe(sdk.put)
    expect(await presignPart(KEY, 'up.Load~id_1', 3, 3600)).toBe(sdk.part)
    expect(await presignGet(KEY, 'Q1 report (final)✓.pdf', 'application/pdf', 300)).toBe(sdk.get)
  } finally {
    jest.useRealTimers()
  }
}

describe('presigned media addresses, signed without the S3 client', () => {
  const saved = { ...process.env }
  const use = (env: Record<string, string>) => {
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'key',
      AWS_REGION: 'eu-west-1',
      MEDIA_BUCKET: 'atrium-media-eu',
      ...env,
    }
    resetConfig()
    resetDocumentClient()
  }
  afterAll(() => {
    process.env = saved
    resetConfig()
    resetDocumentClient()
  })

  it('are the S3 client’s own in AWS: the bucket’s host, the function’s session credentials', async () => {
    use({
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret/key+1',
      AWS_SESSION_TOKEN: 'tok/en=',
    })
    const url = await presignGet(KEY, 'a.txt', 'text/plain', 60)
    expect(url.startsWith(`https://atrium-media-eu.s3.eu-west-1.amazonaws.com/${KEY}?`)).toBe(true)
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe('tok/en=')
    await compare(
      sdkClient({
        credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/key+1', sessionToken: 'tok/en=' },
      }),
      'atrium-media-eu',
    )
  })

  it('are the S3 client’s own locally: the stand-in by path, with its keys', async () => {
    use({ S3_ENDPOINT: 'http://127.0.0.1:4569' })
    await compare(
      sdkClient({
        endpoint: 'http://127.0.0.1:4569',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
      'atrium-media-eu',
    )
  })

  it('carry no checksum of an empty body, which the S3 client’s defaults add to an upload’s address', async () => {
    use({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' })
    const defaults = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    })
    const sdk = await getSignedUrl(
      defaults,
      new UploadPartCommand({ Bucket: 'atrium-media-eu', Key: KEY, UploadId: 'u', PartNumber: 1 }),
      { expiresIn: 60 },
    )
    // CRC32 of no bytes: S3 would compare it with the part's bytes and refuse the upload
    expect(new URL(sdk).searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==')
    for (const url of [await presignPart(KEY, 'u', 1, 60), await presignPut(KEY, 'text/plain', 5, 60)]) {
      expect([...new URL(url).searchParams.keys()].filter((k) => k.includes('checksum'))).toEqual([])
    }
  })
})
