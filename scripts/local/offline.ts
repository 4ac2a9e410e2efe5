import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { freePort, isPortFree } from './dynamodb-local.js'
import { REPO_ROOT } from './paths.js'

export interface RunningApi {
  baseUrl: string
  stop(): Promise<void>
}

const waitForHealth = async (
  baseUrl: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`serverless-offline exited (${child.exitCode}):\n${output()}`)
    try {
      if ((await fetch(`${baseUrl}/v1/health`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`serverless-offline did not answer within ${timeoutMs} ms:\n${output()}`)
}

/**
 * Runs the real handlers behind serverless-offline (stage `local`), bundled by serverless-esbuild
 * as in AWS. Runs in its own process group so stop() ends it and every worker it started.
 */
export const startOffline = async (options: {
  env: Record<string, string>
  port?: number
  quiet?: boolean
}): Promise<RunningApi> => {
  const port = options.port ?? (await freePort())
  const lambdaPort = await freePort()
  for (const p of [port]) {
    if (!(await isPortFree(p)))
      throw new Error(`port ${p} is in use: stop what runs there or set PORT to another port`)
  }
  let output = ''
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'),
      'offline',
      'start',
      '--stage',
      'local',
      '--httpPort',
      String(port),
      '--lambdaPort',
      String(lambdaPort),
      '--noPrependStageInUrl',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
    if (!options.quiet) process.stdout.write(chunk)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal)
    } catch {
      // already gone
    }
  }
  const onExit = () => killGroup('SIGKILL')
  process.once('exit', onExit)
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    await waitForHealth(baseUrl, child, 120_000, () => output)
  } catch (err) {
    killGroup('SIGKILL')
    throw err
  }
  return {
    baseUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', onExit)
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const hard = setTimeout(() => killGroup('SIGKILL'), 5_000)
        child.once('exit', () => {
          clearTimeout(hard)
          resolve()
        })
        killGroup('SIGTERM')
      }),
  }
}
