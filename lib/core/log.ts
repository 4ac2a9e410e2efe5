import { AsyncLocalStorage } from 'node:async_hooks'
import { config } from './config.js'

type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Fields allowed in logs: ids, codes and counts only. Personal data and secrets never go here. */
export type LogFields = Record<string, string | number | boolean | undefined | null>

/**
 * The fields every line of one invocation (or one SQS record) carries: its correlation id first.
 * Kept per async context, so work of one invocation never borrows another's ids.
 */
const context = new AsyncLocalStorage<LogFields>()

/** Runs `fn` with its own log context (an invocation, an SQS record, a job run). */
export const withLogContext = <T>(fields: LogFields, fn: () => T): T => context.run({ ...fields }, fn)

/** Adds fields to the current context (the route once known, the tenant once authenticated). */
export const addLogContext = (fields: LogFields): void => {
  const store = context.getStore()
  if (store) Object.assign(store, fields)
}

export const logContext = (): Readonly<LogFields> => context.getStore() ?? {}

const threshold = (): number => {
  try {
    return ORDER[config().LOG_LEVEL]
  } catch {
    return ORDER.info
  }
}

const write = (level: Level, message: string, fields?: LogFields): void => {
  if (ORDER[level] < threshold()) return
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...logContext(), ...fields })
  if (level === 'error' || level === 'warn') console.error(line)
  else console.log(line)
}

export const log = {
  debug: (message: string, fields?: LogFields) => write('debug', message, fields),
  info: (message: string, fields?: LogFields) => write('info', message, fields),
  warn: (message: string, fields?: LogFields) => write('warn', message, fields),
  error: (message: string, fields?: LogFields) => write('error', message, fields),
}

/** Where an unexpected error was thrown, without its message (messages can carry values). */
export const errorSite = (err: unknown): LogFields => ({
  errorName: (err as Error)?.name,
  where: ((err as Error)?.stack ?? '')
    .split('\n')
    .slice(1, 4)
    .map((l) => l.trim())
    .join(' | '),
})
