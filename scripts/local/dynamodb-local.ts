import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { LOCAL_DIR } from './paths.js'

/** AWS's own emulator ships inside this npm package; we unpack only its emulator folder. */
const EMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30'
export const EMULATOR_DIR = join(LOCAL_DIR, 'dynamodb')

export const ensureDynamoDbLocal = (): string => {
  if (existsSync(join(EMULATOR_DIR, 'DynamoDBLocal.jar'))) return EMULATOR_DIR
  const work = mkdtempSync(join(tmpdir(), 'atrium-ddb-'))
  try {
    console.log(`fetching DynamoDB Local (${EMULATOR_PACKAGE}) into .local/dynamodb …`)
    execFileSync('npm', ['pack', EMULATOR_PACKAGE, '--silent'], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
    if (!tarball) throw new Error(`npm pack ${EMULATOR_PACKAGE} produced no tarball`)
    execFileSync('tar', ['xzf', tarball, 'package/emulator'], { cwd: work })
    mkdirSync(LOCAL_DIR, { recursive: true })
    rmSync(EMULATOR_DIR, { recursive: true, force: true })
    renameSync(join(work, 'package', 'emulator'), EMULATOR_DIR)
    return EMULATOR_DIR
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })

export const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

export const localClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })

export interface RunningDynamoDb {
  endpoint: string
  port: number
  stop(): Promise<void>
}

const waitUntilReady = async (endpoint: string, child: ChildProcess, timeoutMs: number) => {
  const client = localClient(endpoint)
  const deadline = Date.now() + timeoutMs
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`)
      try {
        await client.send(new ListTablesCommand({}))
        return
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms`)
  } finally {
    client.destroy()
  }
}

/** Starts an in-memory DynamoDB Local; port 0 picks a free one. */
export const startDynamoDbLocal = async ({ port = 0 }: { port?: number } = {}): Promise<RunningDynamoDb> => {
  const dir = ensureDynamoDbLocal()
  const chosen = port === 0 ? await freePort() : port
  if (!(await isPortFree(chosen))) {
    throw new Error(`port ${chosen} is in use: stop what runs there or set DYNAMODB_PORT to another port`)
  }
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
    // it writes a metadata file into its working directory: keep that out of the repo root
    { stdio: 'ignore', cwd: dir },
  )
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  const endpoint = `http://127.0.0.1:${chosen}`
  try {
    await waitUntilReady(endpoint, child, 30_000)
  } catch (err) {
    kill()
    throw err
  }
  return {
    endpoint,
    port: chosen,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', kill)
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
