import { resolve } from 'node:path'
import { checkRoles, readCommandLog, readServerlessConfig } from './policy.js'

/**
 * Runs after every other test file (test/support/sequencer.js): DynamoDB Local and
 * serverless-offline ignore IAM, so the roles are checked against what the tests made each
 * function's code send (lib/core/aws-command-log.ts).
 */
describe('IAM follows the code', () => {
  const dir = process.env.ATRIUM_AWS_COMMAND_LOG
  const config = readServerlessConfig(resolve(__dirname, '../../serverless.yml'))

  it('every AWS command a function sent is allowed by its role in serverless.yml', () => {
    if (!dir)
      throw new Error('no command log: run this check with the tests that call the functions (npm test)')
    const entries = readCommandLog(dir)
    if (!entries.some((e) => e.kind === 'command'))
      throw new Error('no function recorded a command: run this check after the tests that call them')
    const report = checkRoles(config, entries)
    const notes = [
      ...report.untested.map((fn) => `${fn}: no test in this run loaded it; its role is not checked`),
      ...report.undeclared.map((fn) => `${fn}: built by a test, not in serverless.yml; not checked`),
      ...report.unexercised.map((line) => `${line}: allowed, never used by a test`),
    ]
    // Not failures: a grant may serve a path no test reaches, or be left over; each one is worth a look.
    if (notes.length > 0) console.warn(`IAM grants not exercised by this run:\n${notes.join('\n')}`)
    expect(report.denied).toEqual([])
    expect(report.silent).toEqual([])
  })
})
