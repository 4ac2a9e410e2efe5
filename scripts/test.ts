import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './local/paths.js'

/**
 * `npm test`'s Jest part, in two passes. First the unit, integration and infra projects on two
 * workers: each integration file has a table of its own on the shared DynamoDB Local, so they run
 * side by side. Then, in one band, the e2e project (every serverless-offline start bundles into the
 * repository's one .esbuild folder, so two at once would overwrite each other's bundles) and, last,
 * the IAM check, which reads the AWS commands both passes recorded in one log folder.
 * Arguments go to both passes (e.g. a path: a pass it selects nothing in passes).
 */
const args = process.argv.slice(2)
const commandLog = mkdtempSync(join(tmpdir(), 'atrium-aws-commands-'))
const jest = (...more: string[]) =>
  spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), ...more, ...args], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, ATRIUM_AWS_COMMAND_LOG: commandLog },
  }).status ?? 1
let status = 1
try {
  // both passes run, so one run shows every failure
  const first = jest(
    '--selectProjects',
    'unit',
    'integration',
    'infra',
    '--maxWorkers=2',
    '--passWithNoTests',
  )
  const second = jest('--selectProjects', 'e2e', 'iam', '--runInBand', '--passWithNoTests')
  status = first || second
} finally {
  rmSync(commandLog, { recursive: true, force: true })
}
process.exit(status)
