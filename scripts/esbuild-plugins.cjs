/**
 * esbuild plugins of every function's bundle (serverless.yml custom.esbuild.plugins; the bench
 * builds with them too).
 *
 * oidc-provider finds its models' lifetimes, storage names and stored `kind` by their classes'
 * names (`ttl.AccessToken`, …), which minifying renames. Keeping every name in every bundle costs
 * each function a third of its cold start (a name call per function), so only these classes get
 * theirs back, as a static name set where each is declared.
 */
const { readFile } = require('node:fs/promises')

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

module.exports = [oidcProviderModelNames]
