/**
 * The bundles' `debug` (scripts/esbuild-plugins.cjs): the switch and the line of the real one
 * without its terminal colours. DEBUG names the namespaces to print, separated by commas or
 * spaces, `*` standing for any run of characters and a leading `-` leaving one out; each line
 * goes to stderr after an ISO time, formatted as util.format does, with debug's `%o` (inspected
 * on one line) and `%O` (inspected), and `%O` for a first argument that is no string.
 */
const { format, inspect } = require('node:util')

const names = (process.env.DEBUG || '').split(/[\s,]+/).filter(Boolean)
const pattern = (name) => new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?')}$`)
const on = names.filter((n) => !n.startsWith('-')).map(pattern)
const off = names.filter((n) => n.startsWith('-')).map((n) => pattern(n.slice(1)))

const enabled = (namespace) => on.some((p) => p.test(namespace)) && !off.some((p) => p.test(namespace))

const render = (args) => {
  const list = typeof args[0] === 'string' ? [...args] : ['%O', ...args]
  let index = 0
  list[0] = list[0].replace(/%([a-zA-Z%])/g, (match, letter) => {
    if (match === '%%') return match
    index++
    if (letter !== 'o' && letter !== 'O') return match
    const [value] = list.splice(index--, 1)
    const text = inspect(value)
    return (
      letter === 'o'
        ? text
            .split('\n')
            .map((l) => l.trim())
            .join(' ')
        : text
    ).replaceAll('%', '%%')
  })
  return format(...list)
}

function createDebug(namespace) {
  const debug = (...args) => {
    if (debug.enabled) process.stderr.write(`${new Date().toISOString()} ${namespace} ${render(args)}\n`)
  }
  debug.namespace = namespace
  debug.enabled = enabled(namespace)
  debug.extend = (sub, delimiter = ':') => createDebug(`${namespace}${delimiter}${sub}`)
  return debug
}

module.exports = createDebug
module.exports.enabled = enabled
