import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { config } from './config.js'
import { logContext } from './log.js'

/**
 * What the resources a function's code touches are called here; test/iam maps them to the ARNs of
 * serverless.yml: the single table, one of its indexes, the KMS key wrapping data keys, the
 * KooGallery merchant-key secret, the KooGallery open API's AK/SK secret, objects of the media bucket (`media-bucket/<key prefix>`), the WebSocket API's connections (`ws-connections`), or `*` for APIs without resource-level permissions.
 */
export type AwsResource =
  | 'table'
  | `table/index/${string}`
  | 'pii-key'
  | 'koogallery-key-secret'
  | 'koogallery-openapi-secret'
  | 'media-bucket'
  | `media-bucket/${string}`
  | 'ws-connections'
  | '*'

/** One line of the log: a function was loaded, or sent a command needing `action` on `resource`. */
export type AwsCommandLogEntry =
  | { kind: 'function'; fn: string }
  | { kind: 'command'; fn: string; action: string; resource: AwsResource; example: string }

/** Loaded where the log is written (tests) only: no function's cold start in AWS loads worker_threads. */
const threadId = (): number =>
  (require('node:worker_threads') as typeof import('node:worker_threads')).threadId

const written = new Set<string>()

const directory = (): string | undefined => {
  try {
    return config().ATRIUM_AWS_COMMAND_LOG
  } catch {
    return undefined
  }
}

export const recordingAwsCommands = (): boolean => directory() !== undefined

// Each module instance writes a line once, so a run writes a few hundred lines, not one per command.
// A file per process and thread: serverless-offline runs each function in a worker thread.
const write = (key: string, entry: AwsCommandLogEntry): void => {
  const dir = directory()
  if (!dir || written.has(key)) return
  written.add(key)
  appendFileSync(join(dir, `${process.pid}-${threadId()}.jsonl`), `${JSON.stringify(entry)}\n`)
}

/**
 * Local emulators ignore IAM, so while ATRIUM_AWS_COMMAND_LOG names a directory (tests only, never
 * in AWS) each function's AWS commands are written there as the IAM actions they need, and
 * test/iam checks them against the function's role. The function is the one whose invocation is
 * running (`fn` of the log context); commands sent outside any function (test setup) are not its.
 */
export const recordAwsCommand = (action: string, resource: AwsResource, detail?: string): void => {
  if (!recordingAwsCommands()) return
  const { fn, operation } = logContext()
  if (typeof fn !== 'string') return
  const example = [typeof operation === 'string' ? operation : fn, detail].filter(Boolean).join(' ')
  write(`${fn}\u0000${action}\u0000${resource}`, { kind: 'command', fn, action, resource, example })
}

/** Marks a function as loaded: test/iam then expects commands from it, so its check is never vacuous. */
export const recordFunction = (fn: string): void => write(`${fn}\u0000`, { kind: 'function', fn })

/**
 * State a Lambda container keeps between invocations (data keys, the signing key). In AWS
 * each function has containers of its own; here all functions share one process, and one
 * function's warm cache would hide the commands another sends when cold. While recording, each
 * function (and the code outside any) gets its own; otherwise there is one, as before.
 */
export const containerState = <T>(create: () => T) => {
  const shared = create()
  const byFunction = new Map<string, T>()
  return {
    current: (): T => {
      if (!recordingAwsCommands()) return shared
      const fn = String(logContext().fn ?? '')
      const state = byFunction.get(fn) ?? create()
      byFunction.set(fn, state)
      return state
    },
    /** every copy, for tests that reset the container */
    all: (): T[] => [shared, ...byFunction.values()],
  }
}
