import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build, type Plugin } from 'esbuild'
import { type CountryCode, type MetadataJson, parsePhoneNumberFromString } from 'libphonenumber-js/core'
import examples from 'libphonenumber-js/examples.mobile.json'
import mobile from 'libphonenumber-js/metadata.mobile.json'
import { REPO_ROOT } from '../../scripts/local/paths.js'

const plugins: Plugin[] = require('../../scripts/esbuild-plugins.cjs')
const mobileMetadata = mobile as unknown as MetadataJson
const dir = mkdtempSync(join(tmpdir(), 'atrium-plugins-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Bundles `code` as serverless.yml does (with the plugins or without) into a file of its own. */
const bundle = async (name: string, code: string, withPlugins = true) => {
  const outfile = join(dir, `${name}-${withPlugins ? 'deployed' : 'plain'}.js`)
  await build({
    stdin: { contents: code, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: `${name}.ts` },
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    plugins: withPlugins ? plugins : [],
    logLevel: 'silent',
  })
  return outfile
}

/** Runs a script in a node of its own and reads the JSON it prints. */
const run = async (script: string, ...args: string[]) => {
  const file = join(dir, `run-${Math.random().toString(36).slice(2)}.js`)
  writeFileSync(file, script)
  const { stdout } = await promisify(execFile)(process.execPath, [file, ...args], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  })
  return JSON.parse(stdout)
}

describe('esbuild plugins (scripts/esbuild-plugins.cjs)', () => {
  it('Koa answers with the content types of the sso paths as with the whole mime table', async () => {
    const probe = `
      import Koa from 'koa'
      import { IncomingMessage, ServerResponse } from 'node:http'
      import { Socket } from 'node:net'
      const app = new Koa()
      const context = (headers: Record<string, string>) => {
        const req = new IncomingMessage(new Socket())
        req.headers = headers
        return app.createContext(req, new ServerResponse(req))
      }
      const types = ['html', 'text', 'json', 'bin', 'application/json', 'text/html; charset=utf-8',
        'application/jwt; charset=utf-8', 'application/jwk-set+json; charset=utf-8', 'application/x-www-form-urlencoded']
      const bodies = ['<p>page</p>', 'text', '', { json: true }, Buffer.from('bytes')]
      const accepts = ['text/html,application/xhtml+xml,*/*;q=0.8', 'application/json', '*/*', '']
      const sent = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8',
        'application/json', 'text/plain']
      console.log(JSON.stringify({
        types: types.map((t) => { const ctx = context({}); ctx.type = t; return ctx.response.get('content-type') }),
        bodies: bodies.map((b) => { const ctx = context({}); ctx.body = b; return ctx.response.get('content-type') }),
        accepts: accepts.map((a) => context({ accept: a }).accepts('json', 'html')),
        is: sent.map((t) => { const ctx = context({ 'content-type': t, 'content-length': '1' })
          return [ctx.is('application/x-www-form-urlencoded'), ctx.is('application/json')] }),
      }))`
    const [deployed, whole] = await Promise.all([
      bundle('koa', probe).then((f) => run(`require(${JSON.stringify(f)})`)),
      bundle('koa', probe, false).then((f) => run(`require(${JSON.stringify(f)})`)),
    ])
    expect(deployed).toEqual(whole)
    expect(deployed.types.slice(0, 4)).toEqual([
      'text/html; charset=utf-8',
      'text/plain; charset=utf-8',
      'application/json; charset=utf-8',
      'application/octet-stream',
    ])
  })

  it('refuses to bundle mime-types for anything but Koa (its table is trimmed)', async () => {
    await expect(
      bundle('mime', `import { lookup } from 'mime-types'; console.log(lookup('png'))`),
    ).rejects.toThrow(/the bundled mime table holds only Koa's types/)
  })

  it('reads every region’s mobile numbers as the whole metadata does, without its formats', async () => {
    const file = await bundle(
      'phone',
      `import m from 'libphonenumber-js/metadata.mobile.json'; console.log(JSON.stringify(m))`,
    )
    const trimmed: MetadataJson = await run(`require(${JSON.stringify(file)})`)
    expect(JSON.stringify(trimmed).length).toBeLessThan(JSON.stringify(mobileMetadata).length * 0.6)
    const read = (metadata: MetadataJson, text: string, region: CountryCode) => {
      const n = parsePhoneNumberFromString(text, { defaultCountry: region, extract: false }, metadata)
      return n && { number: n.number, country: n.country, valid: n.isValid(), possible: n.isPossible() }
    }
    const spellings = Object.entries(examples as Record<string, string>).flatMap(([region, national]) => {
      const n = parsePhoneNumberFromString(national, region as CountryCode, mobileMetadata)
      const international = n ? `+${n.countryCallingCode} ${national}` : national
      return [
        national,
        international,
        `0${national}`,
        national.slice(0, -1),
        `${national}9`,
        `${national.slice(0, 3)} ${national.slice(3)}`,
      ].map((text) => [text, region as CountryCode] as const)
    })
    expect(spellings.length).toBeGreaterThan(1000)
    for (const [text, region] of [
      ...spellings,
      ['139 1234 5678', 'US'] as const,
      ['010 1234 5678', 'CN'] as const,
    ])
      expect([text, region, read(trimmed, text, region)]).toEqual([
        text,
        region,
        read(mobileMetadata, text, region),
      ])
  })

  it('bundles AWS SDK clients from their ES modules: KMS sends and reads as its CommonJS build does', async () => {
    const seen: string[][] = []
    const kms = createServer((req, res) => {
      let raw = ''
      req.on('data', (c) => {
        raw += c
      })
      req.on('end', () => {
        const body = JSON.parse(raw)
        seen.push([String(req.headers['x-amz-target']), Object.keys(body).sort().join()])
        res.setHeader('content-type', 'application/x-amz-json-1.1')
        if (Buffer.from(body.CiphertextBlob ?? '', 'base64').toString() === 'unknown') {
          res.statusCode = 400
          return res.end(JSON.stringify({ __type: 'NotFoundException', message: 'no such key' }))
        }
        const blob = (s: string) => Buffer.from(s).toString('base64')
        res.end(JSON.stringify({ Plaintext: blob('plain'), CiphertextBlob: blob('wrapped'), KeyId: 'key-1' }))
      })
    })
    await new Promise<void>((resolve) => kms.listen(0, '127.0.0.1', resolve))
    const client = `
      import { DecryptCommand, GenerateDataKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms'
      const kms = new KMSClient({ region: 'us-east-1', endpoint: process.argv[2], credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
      const text = (b?: Uint8Array) => Buffer.from(b ?? []).toString()
      ;(async () => {
        const g = await kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/k', KeySpec: 'AES_256', EncryptionContext: { scope: 'T#1' } }))
        const d = await kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('wrapped'), EncryptionContext: { scope: 'T#1' } }))
        const e = await kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('unknown') })).catch((err) => err)
        console.log(JSON.stringify([text(g.Plaintext), text(g.CiphertextBlob), text(d.Plaintext), d.KeyId, e instanceof NotFoundException, e.message]))
      })()`
    try {
      const endpoint = `http://127.0.0.1:${(kms.address() as AddressInfo).port}`
      const deployed = await run(`require(${JSON.stringify(await bundle('kms', client))})`, endpoint)
      const deployedRequests = seen.splice(0)
      const plain = await run(`require(${JSON.stringify(await bundle('kms', client, false))})`, endpoint)
      expect(deployed).toEqual(['plain', 'wrapped', 'plain', 'key-1', true, 'no such key'])
      expect(deployed).toEqual(plain)
      expect(deployedRequests).toEqual(seen)
    } finally {
      kms.close()
    }
  })

  it('loads node:v8 for Koa only where an app asks for its async local storage', async () => {
    const file = await bundle('koa-v8', `import Koa from 'koa'; export { Koa }`)
    const out = await run(`
      const loaded = () => process.moduleLoadList.includes('NativeModule v8')
      const { Koa } = require(${JSON.stringify(file)})
      const atLoad = loaded()
      const plain = new Koa()
      const afterPlainApp = loaded()
      const stored = new Koa({ asyncLocalStorage: true })
      console.log(JSON.stringify([atLoad, afterPlainApp, plain.ctxStorage, stored.ctxStorage?.constructor.name, loaded()]))`)
    expect(out).toEqual([false, false, null, 'AsyncLocalStorage', true])
  })

  it('builds oidc-provider’s list formats at their first use, not at load', async () => {
    const formatters = join(REPO_ROOT, 'node_modules', 'oidc-provider', 'lib', 'helpers', 'formatters.js')
    const file = await bundle('formatters', `export { formatList } from ${JSON.stringify(formatters)}`)
    const out = await run(`
      let built = 0
      const { ListFormat } = Intl
      Intl.ListFormat = class extends ListFormat { constructor(...a) { super(...a); built++ } }
      const { formatList } = require(${JSON.stringify(file)})
      const atLoad = built
      console.log(JSON.stringify([atLoad, formatList(['a', 'b'], { type: 'disjunction' }), formatList(['a', 'b']), built]))`)
    expect(out).toEqual([0, "'a' or 'b'", "'a' and 'b'", 2])
  })

  it('gives oidc-provider a debug that loads no terminal code, switched and printing as debug does', async () => {
    const handler = join(REPO_ROOT, 'node_modules', 'oidc-provider', 'lib', 'shared', 'error_handler.js')
    const file = await bundle('debug', `export { default } from ${JSON.stringify(handler)}`)
    const terminal = await run(`
      require(${JSON.stringify(file)})
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => /tty|os$/.test(m))))`)
    expect(terminal).toEqual([])
    await expect(bundle('debug-elsewhere', `import debug from 'debug'; export { debug }`)).rejects.toThrow(
      /stand-in for oidc-provider/,
    )
    // the stand-in and debug itself, each in a node whose stderr is no terminal, with one DEBUG
    const printed = async (module: string) => {
      const script = `const debug = require(${JSON.stringify(module)})
        const names = ['oidc-provider:error', 'oidc-provider:server_error', 'oidc-provider:server_error:trace', 'koa:x', 'other']
        console.log(JSON.stringify(names.map((n) => debug(n).enabled)))
        const error = debug('oidc-provider:error')
        error('path=%s method=%s error=%o detail=%s', '/token', 'POST', { error: 'invalid_grant', list: [1, 2], deep: { a: { b: { c: { d: 1 } } } } }, 'x')
        error({ error: 'invalid_client' })
        error('%O and %d%% and %j', { a: [1, 2] }, 42, { b: 1 }, 'extra')
        debug('other')('never printed')
        debug('oidc-provider').extend('server_error')('extended %s', 'too')`
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], {
        env: { ...process.env, DEBUG: 'oidc-provider:*, -oidc-provider:server_error:trace,koa:*' },
      })
      return [JSON.parse(stdout), stderr.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /gm, '<time> ')]
    }
    const [standIn, real] = await Promise.all([
      printed(join(REPO_ROOT, 'scripts', 'bundle-stand-ins', 'debug.cjs')),
      printed(join(REPO_ROOT, 'node_modules', 'debug')),
    ])
    expect(standIn[0]).toEqual([true, true, false, true, false])
    expect(String(standIn[1]).split('\n')).toHaveLength(5)
    expect(standIn).toEqual(real)
  })

  it('lets depd read no line or column at load, and warn as it does without the plugin', async () => {
    // a deprecated call (as http-errors makes) and a deprecated property (as cookies wraps at load)
    const code = `import createError from 'http-errors'
      import depd from 'depd'
      const old = { get maxage() { return 1 } }
      depd('atrium-test').property(old, 'maxage', 'use maxAge')
      console.log(createError(200, 'fine').status, old.maxage, old.maxage)`
    const warning = async (withPlugins: boolean) => {
      const file = await bundle(`depd-${withPlugins}`, code, withPlugins)
      const { stderr } = await promisify(execFile)(process.execPath, [file])
      // depd dates each line and names where the deprecated use came from
      return stderr.replace(/^.*? GMT /gm, '').replaceAll(file, '<bundle>')
    }
    const [deployed, plain] = await Promise.all([warning(true), warning(false)])
    expect(deployed.split('\n')).toEqual([
      expect.stringMatching(
        /^http-errors deprecated non-error status code; use only 4xx or 5xx status codes at /,
      ),
      expect.stringMatching(/^atrium-test deprecated use maxAge at /),
      '',
    ])
    expect(deployed).toBe(plain)
    // what costs at load: reading a place in the bundle, which makes V8 count its lines
    const placesReadAtLoad = async (withPlugins: boolean) => {
      const file = await bundle(
        'depd-load',
        `import createError from 'http-errors'
        import depd from 'depd'
        const old = { get maxage() { return 1 } }
        depd('atrium-test').property(old, 'maxage', 'use maxAge')
        export { createError, old }`,
        withPlugins,
      )
      return run(`
        let reads = 0
        const capture = Error.captureStackTrace
        Error.captureStackTrace = (o, f) => {
          capture(o, f)
          if (Array.isArray(o.stack))
            for (const site of o.stack)
              for (const m of ['getLineNumber', 'getColumnNumber'])
                Object.defineProperty(site, m, { value: () => { reads++; return 0 } })
        }
        require(${JSON.stringify(file)})
        console.log(reads)`)
    }
    const [deployedReads, plainReads] = await Promise.all([placesReadAtLoad(true), placesReadAtLoad(false)])
    expect(deployedReads).toBe(0)
    expect(plainReads).toBeGreaterThan(0)
  })

  it('builds http-errors’ classes at their first read, each as without the plugin', async () => {
    const code = `import createError from 'http-errors'
      const builtAtLoad = Object.keys(createError).filter((k) => 'value' in Object.getOwnPropertyDescriptor(createError, k)!)
      const described = (e: any) => [e.name, e.message, e.status, e.statusCode, e.expose, e.constructor.name]
      const notFound = createError(404, 'no such app')
      const teapot = new createError.ImATeapot()
      createError.Gone = class Gone extends Error {}
      console.log(JSON.stringify({
        builtAtLoad,
        keys: Object.keys(createError),
        errors: [notFound, teapot, createError(503), createError(599), createError(451, 'x', { expose: true })].map(described),
        same: [notFound instanceof createError.NotFound, createError.NotFound === createError[404], teapot instanceof createError[418],
          createError.isHttpError(teapot), teapot instanceof createError.HttpError],
        replaced: createError.Gone.name,
      }))`
    const printed = async (withPlugins: boolean) => {
      const file = await bundle(`http-errors-${withPlugins}`, code, withPlugins)
      return JSON.parse((await promisify(execFile)(process.execPath, [file])).stdout)
    }
    const [deployed, plain] = await Promise.all([printed(true), printed(false)])
    expect(deployed.builtAtLoad).toEqual(['HttpError', 'isHttpError'])
    expect(plain.builtAtLoad).toContain('NotFound')
    expect(deployed.keys).toContain('ImATeapot')
    expect({ ...deployed, builtAtLoad: [] }).toEqual({ ...plain, builtAtLoad: [] })
  })

  it('leaves out what no function reaches, and says so if it is reached', async () => {
    const file = await bundle(
      'left-out',
      `import Provider from 'oidc-provider'
      import serverless from 'serverless-http'
      const attempt = (f: () => unknown) => { try { f(); return 'ok' } catch (err) { return (err as Error).message } }
      const provider = (features: object) => () => new Provider('http://localhost:1', { features })
      console.log(JSON.stringify([
        attempt(provider({ devInteractions: { enabled: false } })),
        attempt(provider({ devInteractions: { enabled: false }, registration: { enabled: true } })),
        attempt(provider({ devInteractions: { enabled: false }, ciba: { enabled: true, deliveryModes: ['poll'] } })),
        attempt(provider({ devInteractions: { enabled: false }, deviceFlow: { enabled: true } })),
        attempt(provider({ devInteractions: { enabled: false }, clientCredentials: { enabled: true } })),
        attempt(provider({})),
        attempt(() => serverless(() => {}, { provider: 'azure' })),
      ]))`,
    )
    expect(await run(`require(${JSON.stringify(file)})`)).toEqual([
      'ok',
      'oidc-provider/lib/actions/registration.js is left out of the bundle (scripts/esbuild-plugins.cjs)',
      'oidc-provider/lib/actions/grants/ciba.js is left out of the bundle (scripts/esbuild-plugins.cjs)',
      'oidc-provider/lib/actions/grants/device_code.js is left out of the bundle (scripts/esbuild-plugins.cjs)',
      'oidc-provider/lib/actions/grants/client_credentials.js is left out of the bundle (scripts/esbuild-plugins.cjs)',
      'oidc-provider/lib/actions/interaction.js is left out of the bundle (scripts/esbuild-plugins.cjs)',
      'serverless-http/lib/provider/azure is left out of the bundle (scripts/esbuild-plugins.cjs)',
    ])
  })

  it('builds the web workbench files into the bundle that imports them, each as it is on disk', async () => {
    const file = await bundle(
      'web-assets',
      `import files from 'atrium:web-assets'; console.log(JSON.stringify(files))`,
    )
    const files: Record<string, string> = await run(`require(${JSON.stringify(file)})`)
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['workbench.js', 'workbench.css', 'api.js', 'dom.js']),
    )
    expect(files['workbench.js']).toBe(readFileSync(join(REPO_ROOT, 'web', 'workbench.js'), 'utf8'))
  })
})
