/**
 * The JSON the workbench sync dialects ("联营 Kit", protocol doc C) put on the wire. The provider
 * parses our body and re-serialises it with Jackson before checking the signature (C.6), so what
 * we send must come out of Jackson byte for byte as it came out of JSON.stringify. The two agree
 * on everything but a few corners, which we never send: C0 control characters other than tab,
 * newline and return (JS escapes them as `\u001f`, Jackson as `\u001F`), and numbers beyond
 * plain integers (`1e21`): ids and amounts travel as strings.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

/** A body or a value that cannot go on the wire; `field` is its path, e.g. `userList[3].email`. */
export class KitWireError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message)
    this.name = 'KitWireError'
  }
}

// C0 controls but \t \n \r, the ones JS and Jackson escape differently.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const C0_BUT_TAB_LF_CR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g
// A lone surrogate has no UTF-8 form: JSON.stringify sends it escaped (`\ud800`), and what the
// receiver's writer makes of it is anybody's guess.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** A string as we send it: those controls dropped, lone surrogates made U+FFFD. */
export const wireText = (text: string): string =>
  text.replace(C0_BUT_TAB_LF_CR, '').replace(LONE_SURROGATE, '\uFFFD')

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * A value made safe for the wire, at any depth: strings (and keys) cleaned by `wireText`, numbers
 * only as safe integers (ids and amounts travel as strings), nothing but JSON's own types. An
 * undefined property is left out, as JSON.stringify would; anything else that JSON.stringify would
 * change silently (a Date, NaN, undefined in an array) is refused instead.
 */
export const wireValue = (value: unknown, field = ''): JsonValue => {
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'string') return wireText(value)
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new KitWireError(`${value} is not a safe integer: send it as a string`, field)
    return value === 0 ? 0 : value // -0 would print as 0 anyway; keep it plain
  }
  if (Array.isArray(value)) return value.map((item, i) => wireValue(item, `${field}[${i}]`))
  if (isPlainObject(value)) {
    const out: JsonObject = {}
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue
      const clean = wireText(key)
      if (Object.hasOwn(out, clean))
        throw new KitWireError('two keys differ only by unsendable characters', field)
      // defined, not assigned, so that a key "__proto__" is a key like any other
      Object.defineProperty(out, clean, {
        value: wireValue(item, field ? `${field}.${key}` : key),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  throw new KitWireError(
    `a ${typeof value === 'object' ? 'non-plain object' : typeof value} cannot be sent`,
    field,
  )
}

/**
 * The body's fields as the receiver's map holds them: top-level null/undefined dropped (Jackson
 * with NON_NULL into a TreeMap), every value cleaned by `wireValue`, keys sorted by UTF-16 code
 * unit, which is both JS's default sort and Java's String order.
 */
export const wireFields = (body: Record<string, unknown>): [string, JsonValue][] => {
  if (!isPlainObject(body)) throw new KitWireError('a body is a plain object')
  const kept = Object.fromEntries(
    Object.entries(body).filter(([, value]) => value !== null && value !== undefined),
  )
  return Object.entries(wireValue(kept) as JsonObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * `P` of protocol doc C.6: the compact JSON of the body with its top-level keys sorted, top-level
 * nulls dropped, nested values in their own order. It is both what v2 signs and the exact bytes
 * (UTF-8) we send: a body re-serialised on the way out would no longer match its signature.
 */
export const canonicalBody = (body: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries(wireFields(body)))
