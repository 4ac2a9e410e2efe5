import { createHash } from 'node:crypto'
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
}

const COMMON = { 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'same-origin' }

/**
 * The web workbench's files, answered from memory. A name is looked up exactly, never joined to a
 * path, so `..` or an encoded slash finds nothing. The names carry no version, so a browser asks
 * again each time (`no-cache`) and gets a 304 for what it has.
 */
export const assetServer = (files: Record<string, string>) => {
  const served = new Map(
    Object.entries(files).flatMap(([name, body]) => {
      const type = TYPES[name.split('.').pop() ?? '']
      if (!type) return []
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
      return [[name, { body, type, etag }] as const]
    }),
  )
  return (name: string, ifNoneMatch: string | undefined): APIGatewayProxyStructuredResultV2 => {
    const file = served.get(name)
    if (!file) {
      return {
        statusCode: 404,
        headers: { ...COMMON, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        body: 'Not found',
      }
    }
    const headers = { ...COMMON, etag: file.etag, 'cache-control': 'no-cache' }
    if (ifNoneMatch === file.etag) return { statusCode: 304, headers }
    return { statusCode: 200, headers: { ...headers, 'content-type': file.type }, body: file.body }
  }
}
