import { createHmac } from 'node:crypto'
import { createScope, getSigningKey, SignatureV4 } from '@smithy/signature-v4'
import { basicIsoTime } from '../core/clock.js'
import { config } from '../core/config.js'
import { getDocumentClient } from '../core/db/client.js'
import { uriEncode } from '../core/text.js'
import { LOCAL_S3_CREDENTIALS } from './s3-target.js'

/**
 * Presigned addresses and upload forms of the media bucket, signed with the SigV4 signer the
 * DynamoDB client already carries: the functions that only hand out addresses (media, messages,
 * approvals, the drive's downloads and uploads) need not load the S3 client, which was most of
 * their cold start over the baseline. Each is what the S3 client's presigners sign (test/unit/
 * presign.test.ts compares them), less what S3 does not need: the SDK's operation marker and, on
 * an upload's address, the checksum of an empty body its default settings add, which S3 would
 * check against the uploaded bytes and refuse. Locally the stand-in is addressed by path.
 */
type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

const bucketAt = () => {
  const { AWS_REGION, MEDIA_BUCKET, S3_ENDPOINT } = config()
  const dynamo = getDocumentClient().config
  const origin = new URL(S3_ENDPOINT ?? `https://${MEDIA_BUCKET}.s3.${AWS_REGION}.amazonaws.com`)
  return {
    region: AWS_REGION,
    bucket: MEDIA_BUCKET,
    origin,
    /** the path before an object's key: the bucket's, when the stand-in is addressed by path */
    base: S3_ENDPOINT ? `${origin.pathname.replace(/\/$/, '')}/${MEDIA_BUCKET}` : '',
    // one credential chain per process: the table client's (the function's role in AWS)
    credentials: (S3_ENDPOINT
      ? async () => LOCAL_S3_CREDENTIALS
      : dynamo.credentials) as () => Promise<Credentials>,
    sha256: dynamo.sha256,
  }
}

export interface PresignRequest {
  method: 'GET' | 'PUT'
  key: string
  /** S3's own parameters (`partNumber`, `response-content-type`, …) */
  query?: Record<string, string>
  /** headers the uploader must send as they are (they are signed) */
  headers?: Record<string, string>
  seconds: number
}

/** A presigned address of one object; its payload is unsigned, as S3 presigned addresses are. */
export const presignS3 = async (req: PresignRequest): Promise<string> => {
  const at = bucketAt()
  const signer = new SignatureV4({
    service: 's3',
    region: at.region,
    // S3 signs the path as sent (encoded once) and takes no payload checksum in a presign
    uriEscapePath: false,
    applyChecksum: false,
    sha256: at.sha256,
    credentials: at.credentials,
  })
  const signed = await signer.presign(
    {
      method: req.method,
      protocol: at.origin.protocol,
      hostname: at.origin.hostname,
      port: at.origin.port ? Number(at.origin.port) : undefined,
      path: `${at.base}/${req.key.split('/').map(uriEncode).join('/')}`,
      query: req.query ?? {},
      headers: { ...req.headers, host: at.origin.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
    },
    { expiresIn: req.seconds, signableHeaders: new Set(Object.keys(req.headers ?? {})) },
  )
  const query = Object.entries(signed.query ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(String(v))}`)
    .join('&')
  return `${at.origin.protocol}//${at.origin.host}${signed.path}?${query}`
}

const iso8601 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z')

/**
 * A browser upload form (S3's POST policy) for exactly `key`: the policy lists the form's fields,
 * the key and the given conditions, and is signed with the day's SigV4 key.
 */
export const presignPost = async (req: {
  key: string
  fields: Record<string, string>
  conditions: unknown[]
  seconds: number
}): Promise<{ url: string; fields: Record<string, string> }> => {
  const at = bucketAt()
  const now = new Date()
  const date = basicIsoTime(now.getTime())
  const credentials = await at.credentials()
  const fields: Record<string, string> = {
    ...req.fields,
    bucket: at.bucket,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${createScope(date.slice(0, 8), at.region, 's3')}`,
    'X-Amz-Date': date,
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
  }
  const policy = Buffer.from(
    JSON.stringify({
      expiration: iso8601(new Date(now.getTime() + req.seconds * 1000)),
      conditions: [
        ...req.conditions,
        ...Object.entries(fields).map(([k, v]) => ({ [k]: v })),
        { key: req.key },
      ],
    }),
  ).toString('base64')
  const signingKey = await getSigningKey(at.sha256, credentials, date.slice(0, 8), at.region, 's3')
  return {
    url: `${at.origin.protocol}//${at.origin.host}${at.base || '/'}`,
    fields: {
      ...fields,
      key: req.key,
      Policy: policy,
      'X-Amz-Signature': createHmac('sha256', signingKey).update(policy).digest('hex'),
    },
  }
}
