import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LOCAL_DIR } from './paths.js'

export const DEFAULT_MASTER_KEY_FILE = join(LOCAL_DIR, 'master.key')

/** The local stand-in for KMS: a random 32-byte key, readable only by its owner, never overwritten. */
export const ensureMasterKeyFile = (file: string = DEFAULT_MASTER_KEY_FILE): string => {
  if (existsSync(file)) return file
  mkdirSync(dirname(file), { recursive: true })
  try {
    // 'wx': two processes starting at once must not replace each other's key
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  return file
}
