/** The `ws` package serverless-offline itself runs on (Node 20 has no global WebSocket); typed here as far as tests use it. */
interface Socket {
  on(event: 'open' | 'close', listener: () => void): void
  on(event: 'message', listener: (data: Buffer) => void): void
  on(event: 'error', listener: (err: Error) => void): void
  send(data: string): void
  close(): void
}
const { WebSocket } = require('ws') as { WebSocket: new (url: string) => Socket }

export interface TestSocket {
  /** every frame received so far, parsed */
  frames: unknown[]
  /** the first frame (already received or to come) that matches */
  next(match: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  send(message: unknown): void
  close(): Promise<void>
}

/** Connects with `?access_token=`; rejects with the handshake's refusal (e.g. "Unexpected server response: 401"). */
export const connectSocket = (wsUrl: string, token?: string): Promise<TestSocket> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(token ? `${wsUrl}/?access_token=${encodeURIComponent(token)}` : wsUrl)
    const frames: Record<string, unknown>[] = []
    const waiting: {
      match: (f: Record<string, unknown>) => boolean
      done: (f: Record<string, unknown>) => void
    }[] = []
    let closed: () => void = () => undefined
    const ended = new Promise<void>((r) => {
      closed = r
    })
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>
      frames.push(frame)
      for (const w of waiting.filter((w) => w.match(frame))) {
        waiting.splice(waiting.indexOf(w), 1)
        w.done(frame)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => closed())
    socket.on('open', () =>
      resolve({
        frames,
        next: (match) => {
          const seen = frames.find(match)
          return seen ? Promise.resolve(seen) : new Promise((done) => waiting.push({ match, done }))
        },
        send: (message) => socket.send(JSON.stringify(message)),
        close: () => {
          socket.close()
          return ended
        },
      }),
    )
  })
