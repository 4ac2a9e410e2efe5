import { resetConfig } from '../lib/core/config.js'
import { resetS3Client } from '../lib/media/s3.js'
import { freePort } from '../scripts/local/process.js'
import { startS3 } from '../scripts/local/s3.js'
import { benchMember, enterpriseTenant } from './directory.js'
import { caller, requestsOf } from './harness.js'
import { fmt, LATENCY_COLUMNS, percentile, table, timed, verdict } from './stats.js'

/**
 * The drive: DynamoDB requests of a quota check (an upload's reservation), a folder listing, an
 * item's read and a download address while the tenant is small, and again after it grows (300
 * folders, 500 files), with latency against a bare GetItem. Presigning
 * needs an S3 endpoint: a stand-in of its own (no byte is sent to it).
 */
export const measureDrive = async (options: { bareGetItemP50: number; n: number }) => {
  const s3 = await startS3({ port: await freePort(), bucket: 'atrium-local-media' })
  const previous = process.env.S3_ENDPOINT
  process.env.S3_ENDPOINT = s3.endpoint
  resetConfig()
  resetS3Client()
  try {
    const tenant = await enterpriseTenant('drive')
    const { handler } = await import('../functions/drive/handler.js')
    const call = caller(handler as Parameters<typeof caller>[0])
    const admin = (method: string, path: string, body?: unknown, query?: Record<string, string>) =>
      call(method, path, tenant.adminToken, body, query)
    const { token } = await benchMember(tenant, 'bench-drive-member@bench.test')
    const folder = (await admin('POST', '/v1/drive/folders', { space: 'enterprise', name: 'Shared' }))
      .id as string
    let files = 0
    const reserve = () =>
      call('POST', '/v1/drive/uploads', token, { space: 'personal', name: `f${files++}.txt`, size: 10 })
    const list = () => call('GET', '/v1/drive/items', token, undefined, { parentId: folder })
    const read = () => call('GET', `/v1/drive/items/${folder}`, token)
    const small = {
      reserve: await requestsOf(reserve),
      list: await requestsOf(list),
      read: await requestsOf(read),
    }
    for (let i = 0; i < 300; i++)
      await admin('POST', '/v1/drive/folders', {
        space: 'enterprise',
        parentId: i % 2 ? folder : undefined,
        name: `d${i}`,
      })
    for (let i = 0; i < 500; i++) await reserve()
    const large = {
      reserve: await requestsOf(reserve),
      list: await requestsOf(list),
      read: await requestsOf(read),
    }
    const times = {
      reserve: await timed(options.n, reserve),
      list: await timed(options.n, list),
      read: await timed(options.n, read),
    }
    const row = (name: string, key: keyof typeof small, limit: number) => [
      name,
      options.n,
      fmt(percentile(times[key], 50)),
      fmt(percentile(times[key], 99)),
      fmt(percentile(times[key], 50) / options.bareGetItemP50),
      `${small[key]} → ${large[key]}`,
      `${verdict(large[key] <= limit && large[key] === small[key])} ≤ ${limit}, unchanged`,
    ]
    return {
      markdown: table(
        [...LATENCY_COLUMNS, 'requests (empty drive → 300 folders, 500 files)', 'target'],
        [
          row('POST /v1/drive/uploads (quota check and reservation)', 'reserve', 3),
          row('GET /v1/drive/items?parentId= (a folder of 150 folders, first page)', 'list', 3),
          row('GET /v1/drive/items/{id}', 'read', 3),
        ],
      ),
    }
  } finally {
    await s3.stop()
    if (previous === undefined) delete process.env.S3_ENDPOINT
    else process.env.S3_ENDPOINT = previous
    resetConfig()
    resetS3Client()
  }
}
