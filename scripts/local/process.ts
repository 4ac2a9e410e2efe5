import { spawn } from 'node:child_process'
import { createServer, type Socket } from 'node:net'

/**
 * Kills `pid` (or its process group) however this process ends, SIGKILL included, which 'exit'
 * handlers miss: a detached shell reads a pipe from us and kills the target at end of file.
 * Returns a cancel function for a normal stop, so the shell does not linger and later signal a
 * pid the system may have handed to another process.
 */
export const killWithParent = (pid: number, { group = false }: { group?: boolean } = {}): (() => void) => {
  const target = group ? `-${pid}` : `${pid}`
  const watchdog = spawn('sh', ['-c', `cat >/dev/null; kill -s KILL -- ${target} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    // its own session, so a Ctrl-C meant for us does not end it before it has done its job
    detached: true,
  })
  watchdog.on('error', () => undefined)
  watchdog.unref()
  ;(watchdog.stdin as unknown as Socket).unref()
  return () => {
    watchdog.kill('SIGKILL')
  }
}

/** Probed on the dual-stack wildcard, so a server on 127.0.0.1, ::1 or any address counts. */
export const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, () => server.close(() => resolve(true)))
  })

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      )
    })
  })

/** A port from an environment variable: unset means `fallback`, 0 means any free port. */
export const portFromEnv = (variable: string, fallback: number): number => {
  const raw = process.env[variable]
  const port = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`${variable}=${raw} is not a port number (0 picks a free port)`)
  return port
}

/** Resolves when the child has exited; SIGKILL if it ignores `signal` for `graceMs`. */
export const stopChild = (
  child: { exitCode: number | null; signalCode: string | null; once(event: 'exit', fn: () => void): unknown },
  send: (signal: NodeJS.Signals) => void,
  graceMs = 5_000,
): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const hard = setTimeout(() => send('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(hard)
      resolve()
    })
    send('SIGTERM')
  })
