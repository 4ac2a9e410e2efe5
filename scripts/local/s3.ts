import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'

export interface RunningS3 {
  /** the S3 endpoint (S3_ENDPOINT): path-style, `<endpoint>/<bucket>/<key>` */
  endpoint: string
  stop(): Promise<void>
}

/**
 * Browsers post uploads straight to the bucket from the workbench's pages (another origin), then
 * read them, and read each drive part's ETag to complete a multipart upload: the same CORS the
 * media bucket has in AWS (infra/stateful-stack.ts).
 */
const CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`

/**
 * The local S3 (s3rver): the media bucket, created with its CORS, kept in a temporary directory
 * removed at stop. s3rver verifies no V4 signature and no POST policy (content type, size): the
 * API checks each uploaded object itself before it uses it (lib/media assertOwnedMedia).
 */
export const startS3 = async (options: { port: number; bucket: string }): Promise<RunningS3> => {
  const directory = mkdtempSync(join(tmpdir(), 'atrium-s3-'))
  const server = new S3rver({
    port: options.port,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: options.bucket, configs: [CORS] }],
  })
  const { port } = await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}
