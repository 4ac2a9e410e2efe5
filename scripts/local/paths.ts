import { resolve } from 'node:path'

/** The repository root, found from this file so scripts work from any working directory. */
export const REPO_ROOT = resolve(__dirname, '..', '..')
/** Git-ignored: the DynamoDB Local emulator, the local master key. */
export const LOCAL_DIR = resolve(REPO_ROOT, '.local')
