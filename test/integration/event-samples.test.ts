import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Context } from 'aws-lambda'
import { parse } from 'yaml'
import { useTestTable } from '../support/dynamo.js'

useTestTable()

const root = resolve(__dirname, '../..')
const functions = Object.keys(
  (parse(readFileSync(resolve(root, 'serverless.yml'), 'utf8')) as { functions: Record<string, unknown> })
    .functions,
)
const samples = readdirSync(resolve(root, 'events')).filter((f) => f.endsWith('.json'))
/** A sample is `<function>-<what>.json`: the longest function name it begins with. */
const functionOf = (file: string) =>
  functions.filter((fn) => file.startsWith(`${fn}-`)).sort((a, b) => b.length - a.length)[0]

// events/ is what the README's `serverless invoke local -p events/…` uses: one at least per function
describe('the sample events (events/)', () => {
  it('name a function each, and every function has one', () => {
    expect(samples.filter((f) => !functionOf(f))).toEqual([])
    expect(functions.filter((fn) => !samples.some((f) => functionOf(f) === fn))).toEqual([])
  })

  // oidc-provider is an ES module Jest cannot load: sso runs in its bundle, through serverless-offline
  // in test/e2e/sso.test.ts; here its samples are checked for what they ask. web's files exist only
  // in its bundle (the web-assets plugin): test/e2e/web.test.ts serves them through serverless-offline
  const BUNDLED_ONLY = ['sso', 'web']
  const inProcess = samples.filter((f) => !BUNDLED_ONLY.includes(functionOf(f) ?? ''))

  it('ask the sso function for one of its addresses', () => {
    for (const file of samples.filter((f) => functionOf(f) === 'sso')) {
      const event = JSON.parse(readFileSync(resolve(root, 'events', file), 'utf8'))
      expect([file, event.version, event.rawPath]).toEqual([
        file,
        '2.0',
        expect.stringMatching(/^\/t\/[a-z0-9-]+\//),
      ])
    }
  })

  it.each(inProcess)('%s runs through its handler without a server error', async (file) => {
    const { handler } = (await import(`../../functions/${functionOf(file)}/handler.js`)) as {
      handler: (event: unknown, context: Context) => Promise<unknown>
    }
    const event = JSON.parse(readFileSync(resolve(root, 'events', file), 'utf8'))
    const answer = (await handler(event, { awsRequestId: 'sample', functionName: 'sample' } as Context)) as
      | { statusCode?: number }
      | undefined
    // an API answer (the samples carry no valid token: 4xx is fine), or a batch's outcome
    if (event.version === '2.0') expect(answer?.statusCode).toBeLessThan(500)
  })
})
