import { createHmac } from 'node:crypto'
import { authSyncBody, tenantSyncBody } from '../../lib/provisioning/kit-bodies.js'
import { KitWireError } from '../../lib/provisioning/kit-json.js'
import { bodySign, checkBodySign, parseKitResponse } from '../../lib/provisioning/kit-response.js'
import { signKit, signV1, signV2, verifyV1, verifyV2 } from '../../lib/provisioning/kit-sign.js'

// The verified example of protocol doc C.6.
const KEY = 'DEMOKEY-0123456789abcdef'
const NONCE = '5F2B8C1E9A7D4E3F8B6A0C2D1E4F7A9B'
const AT = 1_700_000_000_000
const P =
  '{"domainName":"https://acme.atrium.example","flag":1,"instanceId":"ins-001","name":"Acme Ltd","orderId":"CS2311150000001","tenantCode":"acme","tenantId":"t-68cbc86","testFlag":0,"timeStamp":"20231115061320000"}'
const tenantInput = {
  instanceId: 'ins-001',
  tenantId: 't-68cbc86',
  testFlag: 0 as const,
  nowMs: AT,
  orderId: 'CS2311150000001',
  tenantCode: 'acme',
  name: 'Acme Ltd',
  domainName: 'https://acme.atrium.example',
  flag: 1 as const,
}

describe('v2 request signature', () => {
  it('matches the worked example: P as the body, x-sign over key + nonce + timestamp + P', () => {
    const signed = signV2(KEY, tenantSyncBody('v2', tenantInput), { nonce: NONCE, nowMs: AT })
    expect(signed.payload).toBe(P)
    expect(signed.headers).toEqual({
      'x-sign': '4A73F17EDCF3E358DB2D375249EF1C7EA662FC1C58DCAB95FF0D1BF9068D8911',
      'x-timestamp': '1700000000000',
      'x-nonce': NONCE,
    })
  })

  it('draws a fresh 64 upper-hex nonce for every signature', () => {
    const body = tenantSyncBody('v2', tenantInput)
    const a = signV2(KEY, body, { nowMs: AT })
    const b = signV2(KEY, body, { nowMs: AT })
    expect(a.headers['x-nonce']).toMatch(/^[0-9A-F]{64}$/)
    expect(a.headers['x-nonce']).not.toBe(b.headers['x-nonce'])
    expect(a.headers['x-sign']).not.toBe(b.headers['x-sign'])
  })

  it('is checked as the provider does: case-insensitive, re-serialised, within the window', () => {
    const body = authSyncBody('v2', {
      ...tenantInput,
      appId: 'app-1',
      users: [
        {
          userName: 'u',
          name: '名字',
          orgCode: 'd',
          role: 'user',
          enable: true,
          extension: { z: 1, a: 'x' },
        },
      ],
    })
    const { payload, headers } = signV2(KEY, body, { nowMs: AT })
    expect(verifyV2(KEY, payload, headers, AT + 60_000)).toBe('valid')
    expect(verifyV2(KEY, payload, { ...headers, 'x-sign': headers['x-sign'].toLowerCase() }, AT)).toBe(
      'valid',
    )
    // header names as node hands them over, and the body's keys in another order, with a null
    const reordered = JSON.stringify({ zzz: null, ...JSON.parse(payload) })
    const lowerCased = {
      'X-Sign': headers['x-sign'],
      'X-TIMESTAMP': headers['x-timestamp'],
      'x-nonce': headers['x-nonce'],
    }
    expect(verifyV2(KEY, reordered, lowerCased, AT)).toBe('valid')
    expect(verifyV2(KEY, payload, headers, AT + 60_001)).toBe('stale')
    expect(verifyV2(KEY, payload, headers, AT - 60_001)).toBe('stale')
    expect(verifyV2('another-key', payload, headers, AT)).toBe('invalid')
    expect(verifyV2(KEY, payload.replace('"u"', '"v"'), headers, AT)).toBe('invalid')
    expect(verifyV2(KEY, payload, { ...headers, 'x-nonce': 'other' }, AT)).toBe('invalid')
    expect(verifyV2(KEY, payload, { ...headers, 'x-timestamp': String(AT + 1) }, AT)).toBe('invalid')
    expect(verifyV2(KEY, 'not json', headers, AT)).toBe('invalid')
    expect(verifyV2(KEY, payload, { 'x-sign': headers['x-sign'] }, AT)).toBe('absent')
  })

  it('refuses to sign a body it could not send as signed', () => {
    expect(() => signV2(KEY, { amount: 1.5 })).toThrow(KitWireError)
    expect(() => signV2(KEY, {}, { nonce: 'a b' })).toThrow(/nonce/)
    expect(() => signV2('', {})).toThrow(/access key/)
  })
})

describe('v1 request signature', () => {
  it('matches the worked example: authToken keyed by accessKey + timeStamp over k=v&…', () => {
    const signed = signV1(KEY, tenantSyncBody('v1', tenantInput))
    expect(signed.headers).toEqual({ authToken: 'xTnW7IV0jYbqaRa4Yed75SPkEd3oHDUNhJHfj54Ebww=' })
    expect(signed.payload).toBe(P)
    expect(verifyV1(KEY, signed.payload, { authtoken: signed.headers.authToken })).toBe('valid')
  })

  it('skips blank values, signs numbers in decimal and JSON-string fields as they are', () => {
    const body = authSyncBody('v1', {
      ...tenantInput,
      instanceId: '',
      testFlag: 1,
      appId: 'app-1',
      users: [{ userName: 'u', name: 'N', orgCode: 'd', role: 'user', enable: true }],
    })
    const userList = '[{"userName":"u","name":"N","orgCode":"d","role":"user","enable":"true"}]'
    const message = `appId=app-1&currentSyncTime=20231115061320000&flag=1&tenantId=t-68cbc86&testFlag=1&timeStamp=20231115061320000&userList=${userList}`
    const expected = createHmac('sha256', `${KEY}20231115061320000`).update(message).digest('base64')
    const signed = signV1(KEY, body)
    expect(signed.headers.authToken).toBe(expected)
    expect(JSON.parse(signed.payload)).toMatchObject({ instanceId: '', userList })
    expect(verifyV1(KEY, signed.payload, signed.headers)).toBe('valid')
  })

  it('sends only the documented fields of a v1 body', () => {
    const body = tenantSyncBody('v1', tenantInput)
    expect(() => signV1(KEY, { ...body, extra: 'x' })).toThrow(/no v1 body/)
    const { orderId: _, ...missing } = body
    expect(() => signV1(KEY, missing)).toThrow(/no v1 body/)
  })

  it('is refused when anything signed changes', () => {
    const { payload, headers } = signV1(KEY, tenantSyncBody('v1', tenantInput))
    expect(verifyV1('another-key', payload, headers)).toBe('invalid')
    expect(verifyV1(KEY, payload.replace('Acme Ltd', 'Acme Inc'), headers)).toBe('invalid')
    expect(verifyV1(KEY, payload.replace('20231115061320000', '20231115061320001'), headers)).toBe('invalid')
    expect(verifyV1(KEY, payload, {})).toBe('absent')
  })

  it('signKit speaks the version it is given', () => {
    expect(signKit('v1', KEY, tenantSyncBody('v1', tenantInput)).headers).toHaveProperty('authToken')
    expect(Object.keys(signKit('v2', KEY, tenantSyncBody('v2', tenantInput)).headers).sort()).toEqual([
      'x-nonce',
      'x-sign',
      'x-timestamp',
    ])
  })
})

describe('provider responses', () => {
  it('succeed only with HTTP 200 and resultCode 000000, keys read trimmed', () => {
    expect(parseKitResponse(200, '{"resultCode":"000000","resultMsg":"success."}')).toEqual({
      ok: true,
      code: '000000',
      message: 'success.',
    })
    expect(parseKitResponse(200, '{" resultCode":"000000"," resultMsg":"ok"}')).toMatchObject({ ok: true })
    expect(parseKitResponse(200, '\uFEFF{"resultCode":"000000"}').ok).toBe(true)
    expect(parseKitResponse(201, '{"resultCode":"000000"}')).toMatchObject({ ok: false, code: '000000' })
    expect(parseKitResponse(200, '{"resultCode":"000101","resultMsg":"decrypt failed"}')).toEqual({
      ok: false,
      code: '000101',
      message: 'resultCode 000101: decrypt failed',
    })
    expect(parseKitResponse(200, '{"resultMsg":"hello"}')).toEqual({
      ok: false,
      message: 'no resultCode: hello',
    })
    expect(parseKitResponse(200, '{"resultCode":0}').ok).toBe(false)
  })

  it('say clearly what is wrong with an answer that is not JSON', () => {
    expect(parseKitResponse(502, '<html>Bad gateway</html>')).toEqual({
      ok: false,
      message: 'HTTP 502 with not JSON: <html>Bad gateway</html>',
    })
    expect(parseKitResponse(200, '')).toEqual({ ok: false, message: 'HTTP 200 with an empty body' })
    expect(parseKitResponse(200, '["000000"]').message).toMatch(/not an object/)
    expect(parseKitResponse(500, `x${'y'.repeat(5000)}`).message.length).toBeLessThan(400)
  })
})

describe('Body-Sign of v1 responses', () => {
  const RESPONSE = '{"resultCode":"000000","resultMsg":"success."}'

  it('matches the worked example, keyed by the bare access key', () => {
    expect(bodySign(KEY, RESPONSE)).toBe(
      'sign_type="HMAC-SHA256", signature="YxbPLA6zSgtCVYxYTVeqA/Vxf6O70lFz8e1hJ5kUMxA="',
    )
    expect(bodySign(KEY, Buffer.from(RESPONSE))).toBe(bodySign(KEY, RESPONSE))
  })

  it('is valid, invalid or absent', () => {
    const header = bodySign(KEY, RESPONSE)
    expect(checkBodySign(KEY, RESPONSE, header)).toBe('valid')
    expect(checkBodySign(KEY, Buffer.from(RESPONSE), header.replace(', ', ','))).toBe('valid')
    expect(checkBodySign(KEY, `${RESPONSE} `, header)).toBe('invalid')
    expect(checkBodySign('another-key', RESPONSE, header)).toBe('invalid')
    expect(checkBodySign(KEY, RESPONSE, header.replace('HMAC-SHA256', 'HMAC-SHA1'))).toBe('invalid')
    expect(checkBodySign(KEY, RESPONSE, 'garbage')).toBe('invalid')
    expect(checkBodySign(KEY, RESPONSE, undefined)).toBe('absent')
    expect(checkBodySign(KEY, RESPONSE, ' ')).toBe('absent')
  })
})
