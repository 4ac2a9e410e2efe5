/**
 * esbuild plugins of every function's bundle (serverless.yml custom.esbuild.plugins; the bench
 * builds with them too). test/unit/esbuild-plugins.test.ts checks what each one promises.
 */
const { readdir, readFile } = require('node:fs/promises')
const { dirname, join, relative, sep } = require('node:path')

/**
 * oidc-provider finds its models' lifetimes, storage names and stored `kind` by their classes'
 * names (`ttl.AccessToken`, …), which minifying renames. Keeping every name in every bundle costs
 * each function a third of its cold start (a name call per function), so only these classes get
 * theirs back, as a static name set where each is declared.
 */
const oidcProviderModelNames = {
  name: 'oidc-provider-model-names',
  setup(build) {
    build.onLoad({ filter: /oidc-provider[\\/]lib[\\/]models[\\/][^\\/]+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      const contents = source.replace(
        /\bclass ([A-Z]\w*)((?: extends [^{\n]+)?) \{/g,
        (_, name, heritage) =>
          `class ${name}${heritage} { static { Object.defineProperty(this, 'name', { value: '${name}' }) }`,
      )
      return { contents, loader: 'js' }
    })
  },
}

/**
 * Koa (under oidc-provider) resolves content types through mime-types, which loads all of mime-db
 * (147 KB) and indexes every type when required (about 15 ms of the sso function's cold start).
 * The bundle keeps only the types Koa and oidc-provider name: `ctx.type = 'html'`/'text'/'json'/'bin',
 * `ctx.accepts('json', 'html')`, `ctx.is(<form or JSON>)` and the JWT types they answer with (each
 * resolves as with the whole table). Another importer of mime-types fails the build rather than
 * silently missing a type.
 */
const KOA_MIME_TYPES = [
  'application/json',
  'application/jwk-set+json',
  'application/jwt',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'text/html',
  'text/plain',
]
const MIME_TYPES_IMPORTERS = /node_modules[\\/](?:koa|accepts|type-is)[\\/]/

const koaMimeTypes = {
  name: 'koa-mime-types',
  setup(build) {
    build.onResolve({ filter: /^mime-(?:types|db)$/ }, (args) => {
      const allowed = args.path === 'mime-db' ? /[\\/]mime-types[\\/]/ : MIME_TYPES_IMPORTERS
      if (allowed.test(args.importer)) return undefined
      return {
        errors: [
          {
            text: `${args.path} imported by ${args.importer}: the bundled mime table holds only Koa's types`,
          },
        ],
      }
    })
    build.onLoad({ filter: /[\\/]mime-db[\\/]db\.json$/ }, async (args) => {
      const db = JSON.parse(await readFile(args.path, 'utf8'))
      const missing = KOA_MIME_TYPES.filter((type) => !db[type])
      if (missing.length > 0) return { errors: [{ text: `mime-db lacks ${missing.join(', ')}` }] }
      return {
        contents: JSON.stringify(Object.fromEntries(KOA_MIME_TYPES.map((t) => [t, db[t]]))),
        loader: 'json',
      }
    })
  },
}

/**
 * Koa requires node:v8 when it loads, for one check made only when an app is built with its
 * asyncLocalStorage option, which oidc-provider's never is: loading v8 (and the internals it
 * brings) is about half a millisecond of sso's cold start for nothing. The bundle loads it at that
 * check instead.
 */
const KOA_V8 = "const v8 = require('node:v8')"
const koaLazyV8 = {
  name: 'koa-lazy-v8',
  setup(build) {
    build.onLoad({ filter: /[\\/]koa[\\/]lib[\\/]application\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      if (source.split(KOA_V8).length !== 2 || source.split('v8.').length !== 3)
        return { errors: [{ text: 'koa application.js changed: update this plugin' }] }
      const contents = source.replace(
        KOA_V8,
        "let v8Module\nconst v8 = { get startupSnapshot () { return (v8Module ??= require('node:v8')).startupSnapshot } }",
      )
      return { contents, loader: 'js' }
    })
  },
}

/**
 * oidc-provider builds two Intl.ListFormat at load, for error messages ("missing required
 * parameters 'a' and 'b'"); the first Intl object loads ICU data, about 15 ms of every cold start.
 * Each is built at its first use instead, on an error path.
 */
const LIST_FORMATS = /^const (conjunction|disjunction) = (new Intl\.ListFormat\('en', \{ type: '\1' \}\));$/gm
const oidcProviderLazyListFormat = {
  name: 'oidc-provider-lazy-list-format',
  setup(build) {
    build.onLoad({ filter: /oidc-provider[\\/]lib[\\/]helpers[\\/]formatters\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      const contents = source.replace(
        LIST_FORMATS,
        'let $1Format;\nconst $1 = { format: (list) => ($1Format ??= $2).format(list) };',
      )
      if (contents === source)
        return { errors: [{ text: 'oidc-provider formatters.js changed: update this plugin' }] }
      return { contents, loader: 'js' }
    })
  },
}

/**
 * depd (under Koa's http-errors and cookies) asks, when each module that uses it loads, for its
 * caller's file, line and column, and keeps only the file; and cookies has it wrap a deprecated
 * property at load, which reads where that happens for a warning it may never print. In a bundle
 * a line and column make V8 count the lines of the whole bundle (about 2 ms of sso's cold start):
 * depd here reads the file alone at load, and the wrapped property's place when it first warns.
 * Its warnings read as before (tested).
 */
const DEPD_SITE = 'var site = callSiteLocation(stack[1])\n  var file = site[0]'
const depdFileOnly = {
  name: 'depd-file-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]depd[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      const property = source.match(/^function wrapproperty \(obj, prop, message\) \{\n[\s\S]*?\n\}$/m)?.[0]
      const lazy = property
        ?.replace(
          'var site = callSiteLocation(stack[1])\n\n  // set site name\n  site.name = prop\n',
          'var site\n  var siteOf = function () {\n    if (!site) {\n      site = callSiteLocation(stack[1])\n      site.name = prop\n    }\n    return site\n  }\n',
        )
        .replaceAll('log.call(deprecate, message, site)', 'log.call(deprecate, message, siteOf())')
      if (
        !source.includes(DEPD_SITE) ||
        !lazy?.includes('siteOf()') ||
        lazy.includes('callSiteLocation(stack[1])\n\n')
      )
        return { errors: [{ text: 'depd index.js changed: update this plugin' }] }
      const contents = source
        .replace(
          DEPD_SITE,
          "var site = stack[1]\n  var file = site.getFileName() || '<anonymous>'\n  if (site.isEval()) file = site.getEvalOrigin() + ', ' + file",
        )
        .replace(property, lazy)
      return { contents, loader: 'js' }
    })
  },
}

/**
 * http-errors (under Koa) builds, when required, an error class for each of the 60-odd 4xx and
 * 5xx statuses (a name from its message, a class, a prototype), about 2 ms of sso's cold start for
 * the few a request ever throws. The bundle computes the names when it is built (from the same
 * statuses package) and builds each class at its first read, by code or by name: the same class
 * either way, the same keys in the same order.
 */
const HTTP_ERRORS_POPULATE =
  'populateConstructorExports(module.exports, statuses.codes, module.exports.HttpError)'
const HTTP_ERRORS_CTORS = [
  'createClientErrorConstructor(HttpError, name, code)',
  'createServerErrorConstructor(HttpError, name, code)',
]
const httpErrorsLazyClasses = {
  name: 'http-errors-lazy-classes',
  setup(build) {
    build.onLoad({ filter: /[\\/]http-errors[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      if (
        source.split(HTTP_ERRORS_POPULATE).length !== 2 ||
        HTTP_ERRORS_CTORS.some((c) => !source.includes(c))
      )
        return { errors: [{ text: 'http-errors index.js changed: update this plugin' }] }
      // the statuses and toidentifier that http-errors itself requires
      const requireHere = require('node:module').createRequire(args.path)
      const statuses = requireHere('statuses')
      const toIdentifier = requireHere('toidentifier')
      const names = Object.fromEntries(
        statuses.codes
          .filter((code) => code >= 400 && code < 600)
          .map((code) => [code, toIdentifier(statuses.message[code])]),
      )
      const lazy = `lazyConstructorExports(module.exports, ${JSON.stringify(names)}, module.exports.HttpError)
function lazyConstructorExports (exports, names, HttpError) {
  Object.keys(names).forEach(function (key) {
    var code = Number(key)
    var name = names[key]
    var keys = [code, name]
    // what an assignment makes, as the plain module's exports are
    var assign = function (k, value) {
      Object.defineProperty(exports, k, { value: value, writable: true, enumerable: true, configurable: true })
    }
    keys.forEach(function (k) {
      Object.defineProperty(exports, k, {
        get: function () {
          var CodeError = code < 500 ? ${HTTP_ERRORS_CTORS[0]} : ${HTTP_ERRORS_CTORS[1]}
          keys.forEach(function (each) { assign(each, CodeError) })
          return CodeError
        },
        set: function (value) { assign(k, value) },
        enumerable: true,
        configurable: true
      })
    })
  })
}`
      return { contents: source.replace(HTTP_ERRORS_POPULATE, lazy), loader: 'js' }
    })
  },
}

/**
 * An AWS SDK client's CommonJS build is one file holding every command of its service (KMS: about
 * fifty; the code sends two); its ES module build lets esbuild keep only the commands imported.
 * Same package, same version.
 */
const awsSdkClientModules = {
  name: 'aws-sdk-client-modules',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/client-[a-z0-9-]+$/ }, async (args) => {
      let manifest
      try {
        manifest = require.resolve(`${args.path}/package.json`, { paths: [args.resolveDir] })
      } catch {
        return undefined // esbuild resolves it as usual (or says why not)
      }
      const { module } = JSON.parse(await readFile(manifest, 'utf8'))
      return module ? { path: join(dirname(manifest), module) } : undefined
    })
  },
}

/**
 * dynamodb-toolbox is ES modules without side effects but does not say so (no `sideEffects` in its
 * package.json), so every action a class it uses refers to is kept (scans, batch writes, …): its
 * files are loaded in a namespace of their own, where each is flagged as free of side effects.
 * Their names there are relative to the package (source maps show no machine path).
 */
const TOOLBOX = 'dynamodb-toolbox'
const dynamodbToolboxPure = {
  name: 'dynamodb-toolbox-pure',
  setup(build) {
    let root
    const inToolbox = (path) => ({ path: relative(root, path), namespace: TOOLBOX, sideEffects: false })
    build.onResolve({ filter: /^dynamodb-toolbox(?:\/.*)?$/ }, async (args) => {
      if (args.pluginData === TOOLBOX) return undefined
      const { kind, importer, resolveDir } = args
      const { path, errors } = await build.resolve(args.path, {
        kind,
        importer,
        resolveDir,
        pluginData: TOOLBOX,
      })
      if (errors.length > 0) return { errors }
      root ??= path.slice(0, path.lastIndexOf(`${sep}${TOOLBOX}${sep}`) + TOOLBOX.length + 1)
      return inToolbox(path)
    })
    // its files import each other by relative path; other packages resolve as usual
    build.onResolve({ filter: /.*/, namespace: TOOLBOX }, ({ path, kind, importer, resolveDir }) =>
      path.startsWith('.')
        ? inToolbox(join(resolveDir, path))
        : build.resolve(path, { kind, importer, resolveDir }),
    )
    build.onLoad({ filter: /.*/, namespace: TOOLBOX }, async (args) => {
      const path = join(root, args.path)
      return { contents: await readFile(path, 'utf8'), loader: 'js', resolveDir: dirname(path) }
    })
  },
}

/**
 * libphonenumber-js's mobile metadata holds each region's display formats beside what parsing and
 * validating read; the code only parses and validates (numbers are stored and shown in E.164), so
 * the bundled copy drops the formats: half of it, 50 KB (formatting a number in a bundle would
 * print its bare digits). Every region's numbers parse and validate as before.
 */
const PHONE_FORMATS = 4 // position of `formats` in a region's entry, metadata version 4
const withoutPhoneFormats = (metadata) => {
  if (metadata.version !== 4)
    throw new Error(`libphonenumber-js metadata version ${metadata.version}: update this plugin`)
  const strip = (regions) =>
    Object.fromEntries(
      Object.entries(regions).map(([id, entry]) => [id, entry.map((v, i) => (i === PHONE_FORMATS ? 0 : v))]),
    )
  return {
    ...metadata,
    countries: strip(metadata.countries),
    nonGeographic: strip(metadata.nonGeographic ?? {}),
  }
}
const phoneMetadataWithoutFormats = {
  name: 'phone-metadata-without-formats',
  setup(build) {
    build.onLoad({ filter: /libphonenumber-js[\\/]metadata\.mobile\.json\.js$/ }, async (args) => {
      const metadata = JSON.parse(await readFile(args.path.replace(/\.js$/, ''), 'utf8'))
      return { contents: JSON.stringify(withoutPhoneFormats(metadata)), loader: 'json' }
    })
  },
}

/**
 * `debug` (oidc-provider's error traces, printed only when DEBUG names them) decides at load
 * whether a terminal takes colours: it loads tty, os and supports-color and reads a dozen variables,
 * about 2 ms of sso's cold start, for output a function's log never colours. The bundle gets this
 * stand-in instead: the same switch (DEBUG's comma- or space-separated names, `*` for any run of
 * characters, a leading `-` to leave a name out), the same formatting (util.format, so `%o`, `%O`,
 * `%s`, `%d`, `%j`), one line on stderr after an ISO time, as debug prints without a terminal
 * (scripts/bundle-stand-ins/debug.cjs). Only oidc-provider imports it; another importer fails the
 * build.
 */
const debugStandIn = {
  name: 'debug-stand-in',
  setup(build) {
    build.onResolve({ filter: /^debug$/ }, (args) => {
      if (!/oidc-provider[\\/]lib[\\/]/.test(args.importer))
        return {
          errors: [
            {
              text: `debug imported by ${args.importer}: the bundle's debug is a stand-in for oidc-provider`,
            },
          ],
        }
      return { path: join(__dirname, 'bundle-stand-ins', 'debug.cjs') }
    })
  },
}

/** What initialize_app reads of each grant module: its handler and parameters, and its grant type. */
const GRANT = ['handler', 'parameters', { read: ['grantType'] }]

/**
 * Code no function can reach, left out; each stand-in throws if it is reached all the same. Only
 * oidc-provider's router mounts the endpoints of the features our issuers leave off (lib/sso/
 * issuer.ts: dynamic registration, introspection, device flow, CIBA, OpenID4VCI credentials, its
 * own development sign-in pages), each behind its feature's switch, and it registers a grant type
 * (client credentials, device code, CIBA, pre-authorized code) only when its feature is on: a
 * grant's stand-in keeps the real `grantType` (read from the module) so the check still answers
 * "off", and registering it throws. Each switch that reaches a stand-in throws when the provider
 * is built, never at a request. serverless-http's Azure adapter serves Azure Functions. About
 * 50 KB of the sso bundle.
 */
const UNREACHED = [
  {
    importer: /oidc-provider[\\/]lib[\\/]actions[\\/]index\.js$/,
    modules: {
      './credential.js': ['default'],
      './openid_credential_issuer.js': ['default'],
      './registration.js': ['post', 'get', 'put', 'del'],
      './introspection.js': ['default'],
      './code_verification.js': ['get', 'post'],
    },
  },
  {
    // their middleware joins only the device flow's and CIBA's endpoints
    importer: /oidc-provider[\\/]lib[\\/]actions[\\/]authorization[\\/]index\.js$/,
    modules: {
      './ciba.js': [
        'cibaRequired',
        'cibaLoadAccount',
        'checkRequestedExpiry',
        'checkCibaContext',
        'backchannelRequestResponse',
        'backchannelRequestRemapErrors',
      ],
      './device.js': [
        'deviceUserFlow',
        'deviceUserFlowErrors',
        'deviceAuthorizationResponse',
        'deviceUserFlowResponse',
      ],
    },
  },
  {
    importer: /oidc-provider[\\/]lib[\\/]actions[\\/]grants[\\/]index\.js$/,
    modules: {
      './client_credentials.js': GRANT,
      './device_code.js': GRANT,
      './ciba.js': GRANT,
      './pre_authorized_code.js': GRANT,
    },
  },
  {
    importer: /oidc-provider[\\/]lib[\\/]helpers[\\/]initialize_app\.js$/,
    modules: { '../actions/interaction.js': ['initialize', 'render', 'submit', 'abort'] },
  },
  {
    importer: /serverless-http[\\/]lib[\\/]provider[\\/]get-provider\.js$/,
    modules: { './azure': 'commonjs' },
  },
]
const leftOut = {
  name: 'left-out',
  setup(build) {
    const paths = UNREACHED.flatMap(({ modules }) => Object.keys(modules))
    const filter = new RegExp(`^(?:${paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`)
    build.onResolve({ filter }, (args) => {
      const entry = UNREACHED.find(({ importer }) => importer.test(args.importer))
      const exports = entry?.modules[args.path]
      if (!exports) return undefined
      // named from node_modules, so messages and source maps show no machine path
      const path = relative(
        args.importer.slice(0, args.importer.lastIndexOf('node_modules') + 12),
        join(args.resolveDir, args.path),
      )
      return { path, namespace: 'left-out', pluginData: { exports, real: join(args.resolveDir, args.path) } }
    })
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, async ({ path, pluginData }) => {
      const { exports, real } = pluginData
      const fail = `const fail = () => { throw new Error(${JSON.stringify(`${path} is left out of the bundle (scripts/esbuild-plugins.cjs)`)}) }`
      if (exports === 'commonjs') return { contents: `${fail}\nmodule.exports = fail`, loader: 'js' }
      const names = []
      for (const e of exports) {
        if (typeof e === 'string') {
          names.push(e === 'default' ? 'export default stub' : `export { stub as ${e} }`)
          continue
        }
        // constants the code reads whether the feature is on or off, taken from the module itself
        const source = await readFile(real, 'utf8')
        for (const name of e.read) {
          const value = source.match(new RegExp(`^export const ${name} = ('[^'\\n]*');$`, 'm'))?.[1]
          if (!value) return { errors: [{ text: `${path} has no constant ${name}: update this plugin` }] }
          names.push(`export const ${name} = ${value}`)
        }
      }
      return {
        contents: [fail, 'const stub = new Proxy(fail, { get: fail, apply: fail })', ...names].join('\n'),
        loader: 'js',
      }
    })
  },
}

/**
 * The web workbench's files (web/) inside the `web` function's bundle, as the module
 * `atrium:web-assets` (each file's text by its path below web/): they are deployed with the code
 * that serves them and answered from memory, with nothing to copy beside a bundle. Rebuilt when a
 * file changes (esbuild watches them).
 */
const WEB_DIR = join(__dirname, '..', 'web')
const webAssets = {
  name: 'web-assets',
  setup(build) {
    build.onResolve({ filter: /^atrium:web-assets$/ }, () => ({ path: WEB_DIR, namespace: 'web-assets' }))
    build.onLoad({ filter: /.*/, namespace: 'web-assets' }, async ({ path }) => {
      const entries = await readdir(path, { recursive: true, withFileTypes: true })
      const names = entries
        .filter((e) => e.isFile())
        .map((e) => relative(path, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort()
      const files = {}
      for (const name of names) files[name] = await readFile(join(path, name), 'utf8')
      return {
        contents: `export default ${JSON.stringify(files)}`,
        loader: 'js',
        watchDirs: [path],
        watchFiles: names.map((n) => join(path, n)),
      }
    })
  },
}

module.exports = [
  oidcProviderModelNames,
  koaMimeTypes,
  koaLazyV8,
  oidcProviderLazyListFormat,
  depdFileOnly,
  debugStandIn,
  httpErrorsLazyClasses,
  awsSdkClientModules,
  dynamodbToolboxPure,
  phoneMetadataWithoutFormats,
  leftOut,
  webAssets,
]
