import { rmSync } from 'node:fs'
import type { SharedStack } from './shared-stack.js'

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as SharedStack).atriumTestStack
  if (!stack) return
  await stack.stop()
  rmSync(stack.keyDir, { recursive: true, force: true })
}
