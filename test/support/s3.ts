import { resetConfig } from '../../lib/core/config.js'
import { resetS3Client } from '../../lib/media/s3.js'
import { LOCAL_MEDIA_BUCKET } from '../../scripts/local/env.js'
import { freePort } from '../../scripts/local/process.js'
import { type RunningS3, startS3 } from '../../scripts/local/s3.js'

/** An S3 stand-in of this test file's own, on a free port, with the media bucket; stopped afterwards. */
export const useTestS3 = (): { endpoint: () => string } => {
  let running: RunningS3 | undefined
  beforeAll(async () => {
    running = await startS3({ port: await freePort(), bucket: LOCAL_MEDIA_BUCKET })
    process.env.S3_ENDPOINT = running.endpoint
    resetConfig()
    resetS3Client()
  })
  afterAll(async () => {
    await running?.stop()
    delete process.env.S3_ENDPOINT
    resetConfig()
    resetS3Client()
  })
  return { endpoint: () => running?.endpoint ?? '' }
}
