import { canonicalBody, KitWireError, wireText, wireValue } from '../../lib/provisioning/kit-json.js'

describe('the canonical body P of the sync dialects', () => {
  it('is compact JSON with top-level keys sorted by code unit and nested order kept', () => {
    const body = {
      tenantId: 't-1',
      Zeta: 1,
      flag: 1,
      userList: [{ userName: 'u', name: 'n', extension: { z: '1', a: '2' } }],
      aa: { b: 1, a: 2 },
    }
    expect(canonicalBody(body)).toBe(
      '{"Zeta":1,"aa":{"b":1,"a":2},"flag":1,"tenantId":"t-1","userList":[{"userName":"u","name":"n","extension":{"z":"1","a":"2"}}]}',
    )
  })

  it('drops top-level null and undefined, keeps nested null and empty strings', () => {
    expect(canonicalBody({ b: null, a: undefined, c: '', d: { x: null, y: undefined }, e: [null] })).toBe(
      '{"c":"","d":{"x":null},"e":[null]}',
    )
  })

  it('strips C0 control characters but tab, newline and return, at every depth and in keys', () => {
    const body = { name: 'Ac\u0000me\u001f\tLtd\r\n', list: [{ 'k\u0007ey': 'v\u000bv\u000c' }] }
    expect(canonicalBody(body)).toBe('{"list":[{"key":"vv"}],"name":"Acme\\tLtd\\r\\n"}')
  })

  it('keeps what JS and Jackson write alike: quotes, backslashes, slashes, non-ASCII, U+2028', () => {
    expect(canonicalBody({ s: 'a"b\\c/d 中文 \u2028 é' })).toBe('{"s":"a\\"b\\\\c/d 中文 \u2028 é"}')
  })

  it('makes a lone surrogate U+FFFD and keeps a pair', () => {
    expect(wireText('a\uD800b\uDC00c\uD83D\uDE00')).toBe('a\uFFFDb\uFFFDc\uD83D\uDE00')
  })

  it('refuses floats, unsafe integers and values JSON.stringify would change silently', () => {
    expect(() => canonicalBody({ amount: 1.5 })).toThrow(KitWireError)
    expect(() => canonicalBody({ user: { extension: { rate: 0.1 } } })).toThrow(
      /user\.extension\.rate: 0\.1 is not/,
    )
    expect(() => canonicalBody({ big: 1e21 })).toThrow(/send it as a string/)
    expect(() => canonicalBody({ n: Number.NaN })).toThrow(KitWireError)
    expect(() => canonicalBody({ d: new Date(0) })).toThrow(/non-plain object/)
    expect(() => canonicalBody({ l: [1, undefined] })).toThrow(/l\[1\]/)
    expect(() => canonicalBody({ b: 10n })).toThrow(/bigint/)
    expect(canonicalBody({ n: Number.MAX_SAFE_INTEGER, m: -0 })).toBe('{"m":0,"n":9007199254740991}')
  })

  it('keeps a "__proto__" key as a key and refuses keys that collide once cleaned', () => {
    const parsed = JSON.parse('{"ext":{"__proto__":"x"}}')
    expect(canonicalBody(parsed)).toBe('{"ext":{"__proto__":"x"}}')
    const ext = (wireValue(parsed) as { ext: object }).ext
    expect(Object.getPrototypeOf(ext)).toBe(Object.prototype) // still a plain object to the SDKs
    expect(() => wireValue({ a: 1, 'a\u0001': 2 })).toThrow(/differ only/)
  })
})
