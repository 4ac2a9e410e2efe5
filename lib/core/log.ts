import { config } from './config.js'

type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Fields allowed in logs: ids, codes and counts only. Personal data and secrets never go here. */
export type LogFields = Record<string, string | number | boolean | undefined | null>

let context: LogFields = {}

export const setLogContext = (fields: LogFields): void => {
  context = fields
}

const threshold = (): number => {
  try {
    return ORDER[config().LOG_LEVEL]
  } catch {
    return ORDER.info
  }
}

const write = (level: Level, message: string, fields?: LogFields): void => {
  if (ORDER[level] < threshold()) return
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...context, ...fields })
  if (level === 'error' || level === 'warn') console.error(line)
  else console.log(line)
}

export const log = {
  debug: (message: string, fields?: LogFields) => write('debug', message, fields),
  info: (message: string, fields?: LogFields) => write('info', message, fields),
  warn: (message: string, fields?: LogFields) => write('warn', message, fields),
  error: (message: string, fields?: LogFields) => write('error', message, fields),
}
