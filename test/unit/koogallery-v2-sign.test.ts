import { createHash, createHmac } from 'node:crypto'
import { apigAuthorization, canonicalRequest } from '../../lib/marketplace/koogallery/apig-sign.js'
import {
  canonicalBody,
  signatureV2,
  verifySignatureV2,
} from '../../lib/marketplace/koogallery/protocol-v2.js'
import { signV2 } from '../support/koogallery-signing.js'

// the spec's worked example (docs/marketplace-koogallery-v2.md)
const BODY =
  '{"activity":"newInstance","businessId":"87b94795-0603-4e24-8ae5-69420d60e3c8","orderId":"CS2211181819B4LVS","orderLineId":"CS2211181819B4LVS-000001","testFlag":"1"}'
const NONCE = '50D83FDECAED6CCD8EF597F2A577950527928BA287D04E6036E92B2806FD17DA'
const SIGNATURE = 'ED3C1637449656023EC468104E43CE227D25762F9CD1813C5425983415F97E6E'

describe('KooGallery V2 signature', () => {
  it('reproduces the worked example', () => {
    expect(Buffer.byteLength(BODY)).toBe(164)
    expect(signatureV2('my-access-key', NONCE, '1680508066618', BODY)).toBe(SIGNATURE)
    expect(signV2('my-access-key', NONCE, '1680508066618', BODY)).toBe(SIGNATURE)
  })

  it('verifies in either hex case, and refuses another key, nonce, timestamp or body', () => {
    const ok = (sig: string, nonce = NONCE, ts = '1680508066618', body = BODY, key = 'my-access-key') =>
      verifySignatureV2(key, sig, nonce, ts, body)
    expect(ok(SIGNATURE)).toBe(true)
    expect(ok(SIGNATURE.toLowerCase())).toBe(true)
    expect(ok(SIGNATURE, NONCE, '1680508066618', BODY, 'other-key')).toBe(false)
    expect(ok(SIGNATURE, `${NONCE.slice(0, -1)}B`)).toBe(false)
    expect(ok(SIGNATURE, NONCE, '1680508066619')).toBe(false)
    expect(ok(SIGNATURE, NONCE, '1680508066618', BODY.replace('"1"', '"0"'))).toBe(false)
    expect(ok(SIGNATURE.slice(0, -2))).toBe(false)
  })

  it('falls back to the sorted compact form, nulls dropped', () => {
    const reordered =
      '{ "testFlag":"1", "orderLineId":"CS2211181819B4LVS-000001", "orderId":"CS2211181819B4LVS", "businessId":"87b94795-0603-4e24-8ae5-69420d60e3c8", "activity":"newInstance", "x": null }'
    expect(canonicalBody(reordered)).toBe(BODY)
    expect(verifySignatureV2('my-access-key', SIGNATURE, NONCE, '1680508066618', reordered)).toBe(true)
  })
})

describe('API gateway AK/SK signature', () => {
  it('signs the canonical request as the gateway documents it', () => {
    const url = new URL(
      'https://mkt.example.com/api/mkp-openapi-public/global/v1/order/query?orderLineId=L 1&orderId=O1',
    )
    const headers = { Host: 'mkt.example.com', 'X-Sdk-Date': '20260101T000000Z' }
    const canonical = canonicalRequest({ method: 'GET', url, headers, body: '' }, ['host', 'x-sdk-date'])
    const emptyHash = createHash('sha256').update('').digest('hex')
    expect(canonical).toBe(
      [
        'GET',
        '/api/mkp-openapi-public/global/v1/order/query/',
        'orderId=O1&orderLineId=L%201',
        'host:mkt.example.com\nx-sdk-date:20260101T000000Z\n',
        'host;x-sdk-date',
        emptyHash,
      ].join('\n'),
    )
    const toSign = `SDK-HMAC-SHA256\n20260101T000000Z\n${createHash('sha256').update(canonical).digest('hex')}`
    const signature = createHmac('sha256', 'sk').update(toSign).digest('hex')
    expect(apigAuthorization('ak', 'sk', { method: 'GET', url, headers, body: '' })).toBe(
      `SDK-HMAC-SHA256 Access=ak, SignedHeaders=host;x-sdk-date, Signature=${signature}`,
    )
  })
})
