import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * API Gateway's management API as the functions use it (POST and DELETE /@connections/{id}), run
 * in this process: it keeps what each connection was sent and which were closed, and answers 410
 * Gone for connections marked gone or closed.
 */
export const startManagementApi = async () => {
  const frames = new Map<string, unknown[]>()
  const gone = new Set<string>()
  const closed = new Set<string>()
  const server = createServer((req, res) => {
    const id = decodeURIComponent(/^\/@connections\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '')
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'DELETE' && id && !gone.has(id)) {
        closed.add(id)
        gone.add(id)
        res.writeHead(204).end()
        return
      }
      if (req.method !== 'POST' || !id || gone.has(id)) {
        res.writeHead(410).end()
        return
      }
      frames.set(id, [...(frames.get(id) ?? []), JSON.parse(Buffer.concat(chunks).toString())])
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** what a connection was sent, oldest first */
    framesOf: (connectionId: string) => frames.get(connectionId) ?? [],
    clear: () => frames.clear(),
    gone,
    /** connections closed through the API */
    closed,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
