import { handler as meta } from '../../functions/meta/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { forgetSigningKey } from '../../lib/core/auth/signing-keys.js'
import { forgetVerificationKeys } from '../../lib/core/auth/tokens.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { ssoKeys } from '../../lib/sso/keys.js'
import { useTestTable } from '../support/dynamo.js'
import { login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

const kidOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()).kid

describe('signing keys', () => {
  afterAll(() => resetClock())

  it('publishes the current key, rotates when due and keeps the previous key until its tokens expire', async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const jwks = await call(meta, 'GET', '/.well-known/jwks.json')
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual([kidOf(t.accessToken)])
    expect(jwks.body.keys[0]).not.toHaveProperty('d')

    // Just before the 30-day rotation a token is minted with the first key; just after, a login rotates.
    advanceClock(30 * 86_400_000 - 60_000)
    const old = await login(t.identifier, t.password)
    advanceClock(120_000)
    forgetSigningKey()
    const fresh = await login(t.identifier, t.password)
    expect(kidOf(fresh.accessToken)).not.toBe(kidOf(old.accessToken))
    const both = await call(meta, 'GET', '/.well-known/jwks.json')
    expect(both.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(
      [kidOf(old.accessToken), kidOf(fresh.accessToken)].sort(),
    )
    forgetVerificationKeys()
    expect((await call(tenants, 'GET', '/v1/tenant', { token: old.accessToken })).status).toBe(200)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: fresh.accessToken })).status).toBe(200)

    // After the retirement window the old key leaves the JWKS.
    advanceClock(25 * 60_000)
    const later = await call(meta, 'GET', '/.well-known/jwks.json')
    expect(later.body.keys.map((k: { kid: string }) => k.kid)).toEqual([kidOf(fresh.accessToken)])
  })

  it('gives the SSO issuers the current RS256 key first and the previous one until it retires', async () => {
    resetClock()
    forgetSigningKey()
    const first = await ssoKeys.privateJwks()
    expect(first.map((k) => k.alg)).toEqual(['RS256'])
    advanceClock(30 * 86_400_000 + 60_000)
    forgetSigningKey()
    const rotated = await ssoKeys.privateJwks()
    expect(rotated.map((k) => k.kid)).toEqual([expect.any(String), first[0]?.kid])
    expect(rotated[0]?.kid).not.toBe(first[0]?.kid)
    // past the longest lifetime of what it signed (ID tokens, access tokens: 2 h) it is gone
    advanceClock(3 * 3600_000)
    expect((await ssoKeys.privateJwks()).map((k) => k.kid)).toEqual([rotated[0]?.kid])
  })

  it('refuses a token whose signature does not verify', async () => {
    const { platformToken } = await platformFixture()
    const [h, p] = platformToken.split('.')
    const forged = `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`
    const res = await call(tenants, 'GET', '/v1/tenants', { token: forged })
    expect(res.status).toBe(401)
    const tampered = JSON.parse(Buffer.from(p as string, 'base64url').toString())
    tampered.scp = 'platform'
    tampered.ctx = 'someone-else'
    const res2 = await call(tenants, 'GET', '/v1/tenants', {
      token: `${h}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${platformToken.split('.')[2]}`,
    })
    expect(res2.status).toBe(401)
  })
})
