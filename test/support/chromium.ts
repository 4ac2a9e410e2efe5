import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { Browser } from 'playwright-core'

const NAMES = ['chromium', 'chromium-browser']

/** Chromium for the browser tests: `CHROMIUM_PATH`, else Debian's `chromium` package on the PATH. */
const findChromium = (): string | undefined => {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      try {
        accessSync(join(dir, name), constants.X_OK)
        return join(dir, name)
      } catch {
        // not here
      }
    }
  }
  return undefined
}

/**
 * How the browser tests get a headless Chromium (playwright-core drives the system's). Without one
 * they are skipped with a notice, unless `ATRIUM_REQUIRE_BROWSER=1` (set by .ci/run, which installs
 * it): then the suite fails, so a CI run never passes without them.
 */
export const headlessChromium = (): { launch: () => Promise<Browser> } | undefined => {
  const executablePath = findChromium()
  if (!executablePath) {
    if (process.env.ATRIUM_REQUIRE_BROWSER === '1') {
      throw new Error(
        "ATRIUM_REQUIRE_BROWSER=1, but no Chromium was found: install Debian's chromium package or set CHROMIUM_PATH",
      )
    }
    console.warn(
      'SKIPPED: the browser tests need Chromium (Debian: apt-get install chromium, or set CHROMIUM_PATH)',
    )
    return undefined
  }
  return {
    launch: async () => {
      const { chromium } = await import('playwright-core')
      // Chromium's sandbox refuses to start as root (CI containers)
      return chromium.launch({
        executablePath,
        headless: true,
        args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
      })
    },
  }
}
