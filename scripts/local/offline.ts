import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './paths.js'
import { freePort, isPortFree, killWithParent, stopChild } from './process.js'

const READY_TIMEOUT_MS = 180_000

export interface RunningApi {
  baseUrl: string
  port: number
  /** the WebSocket API (messages): `ws://…`, its management API at the same port over http */
  wsUrl: string
  /** Settles when serverless-offline has ended, by stop() or not, saying how. */
  exited: Promise<string>
  /** Its latest output (shown or kept to ourselves), for a failure to show. */
  output(): string
  stop(): Promise<void>
}

export interface OfflineOptions {
  /** The functions' settings, usually from localEnv(). */
  env: Record<string, string>
  /** HTTP port; unset or 0 picks a free one. */
  port?: number
  /** serverless-offline's internal Lambda invoke port (default 3002 would clash between runs). */
  lambdaPort?: number
  /** The WebSocket API's port; unset or 0 picks a free one (the functions post to it: WEBSOCKET_MANAGEMENT_URL). */
  websocketPort?: number
  /** Keep serverless-offline's output to ourselves unless it fails. */
  quiet?: boolean
}

const waitForHealth = async (baseUrl: string, exited: () => string | undefined, output: () => string) => {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    const exit = exited()
    if (exit) throw new Error(`serverless-offline exited (${exit}) before answering:\n${output()}`)
    try {
      if ((await fetch(`${baseUrl}/v1/health`)).status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(
    `serverless-offline did not answer ${baseUrl}/v1/health within ${READY_TIMEOUT_MS} ms:\n${output()}`,
  )
}

/**
 * Runs the real handlers behind serverless-offline (stage `local`), bundled by serverless-esbuild
 * as in AWS. It runs in a process group of its own, so stop() ends it and every worker it started.
 */
export const startOffline = async (options: OfflineOptions): Promise<RunningApi> => {
  const port = options.port || (await freePort())
  const lambdaPort = options.lambdaPort || (await freePort())
  const websocketPort = options.websocketPort || (await freePort())
  for (const [p, what] of [
    [port, 'HTTP port (PORT)'],
    [lambdaPort, 'Lambda port (LAMBDA_PORT)'],
    [websocketPort, 'WebSocket port (WEBSOCKET_PORT)'],
  ] as const) {
    if (!(await isPortFree(p)))
      throw new Error(`${what} ${p} is in use: stop what listens there or choose another`)
  }
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'),
      'offline',
      'start',
      '--stage',
      'local',
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(port),
      '--lambdaPort',
      String(lambdaPort),
      '--websocketPort',
      String(websocketPort),
      '--noPrependStageInUrl',
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...options.env,
        WEBSOCKET_MANAGEMENT_URL: `http://127.0.0.1:${websocketPort}`,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
    if (!options.quiet) process.stdout.write(chunk)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  let spawnError: Error | undefined
  child.once('error', (err) => {
    spawnError = err
  })
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`))
  })
  const pid = child.pid
  if (pid === undefined) throw new Error('cannot start serverless-offline: no pid')
  const cancelWatchdog = killWithParent(pid, { group: true })
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // the group is already gone
    }
  }
  const stop = async () => {
    await stopChild(child, signalGroup)
    // workers that outlive the leader would keep the ports
    signalGroup('SIGKILL')
    cancelWatchdog()
  }
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    await waitForHealth(
      baseUrl,
      () => spawnError?.message ?? (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
      () => output,
    )
  } catch (err) {
    await stop()
    throw err
  }
  return { baseUrl, port, wsUrl: `ws://127.0.0.1:${websocketPort}`, exited, output: () => output, stop }
}
