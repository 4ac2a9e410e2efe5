import { handler as auth } from '../../functions/auth/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { REFRESH_GRACE_MS } from '../../lib/auth/sessions.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { PASSWORD_PARAMS } from '../../lib/core/crypto/passwords.js'
import { findAccountByIdentifier } from '../../lib/identity/accounts.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

describe('login, sessions and passwords', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })
  afterEach(() => resetClock())

  it('refuses a wrong password and an unknown identifier alike', async () => {
    const t = await openTenant(platformToken)
    const wrong = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: t.identifier, password: 'Nope-nope-1' },
    })
    const unknown = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: 'nobody@nowhere.test', password: 'Nope-nope-1' },
    })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.body).toEqual(unknown.body)
  })

  it('gives a one-time password that must be changed before anything else', async () => {
    const identifier = `otp-${Date.now()}@x.test`
    const created = await call(tenants, 'POST', '/v1/tenants', {
      token: platformToken,
      body: {
        customerId: `otp-${Date.now()}`,
        name: 'OTP Co',
        industry: 'office',
        planCode: 'general.basic',
        admin: { identifier, name: 'A' },
        verification: { method: 'business-licence', reference: 'LIC-0001' },
      },
    })
    expect(created.status).toBe(201)
    const { initialPassword } = created.body.admin
    const first = await login(identifier, initialPassword)
    expect(first.mustChangePassword).toBe(true)
    const blocked = await call(tenants, 'GET', '/v1/tenant', { token: first.accessToken })
    expect(blocked.status).toBe(403)
    expect(blocked.body.error.code).toBe('PASSWORD_CHANGE_REQUIRED')
    const withoutCode = await call(auth, 'POST', '/v1/auth/password', {
      token: first.accessToken,
      body: { currentPassword: initialPassword, newPassword: 'My-own-password-1' },
    })
    expect([withoutCode.status, withoutCode.body.error.details[0].path]).toEqual([
      400,
      'body.verificationCode',
    ])
    const changed = await activate(first.accessToken, identifier, initialPassword, 'My-own-password-1')
    expect(changed.body.mustChangePassword).toBe(false)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: changed.body.accessToken })).status).toBe(200)
  })

  it('locks the account after 5 failures in the window, even for the right password, then unlocks', async () => {
    const t = await openTenant(platformToken)
    for (let i = 0; i < 4; i++) {
      const res = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: t.identifier, password: `Bad-pass-${i}` },
      })
      expect(res.status).toBe(401)
    }
    const fifth = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: t.identifier, password: 'Bad-pass-5' },
    })
    expect(fifth.status).toBe(429)
    const right = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: t.identifier, password: t.password },
    })
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('ACCOUNT_LOCKED')
    advanceClock(16 * 60_000)
    const later = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: t.identifier, password: t.password },
    })
    expect(later.status).toBe(200)
  })

  it('forgets failures older than the window', async () => {
    const t = await openTenant(platformToken)
    for (let i = 0; i < 4; i++) {
      await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: t.identifier, password: `Bad-pass-${i}` },
      })
    }
    advanceClock(16 * 60_000)
    for (let i = 0; i < 4; i++) {
      const res = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: t.identifier, password: `Bad-${i}-x` },
      })
      expect(res.status).toBe(401)
    }
  })

  it('counts concurrent failures without losing any', async () => {
    const t = await openTenant(platformToken)
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(auth, 'POST', '/v1/auth/login', {
          body: { identifier: t.identifier, password: `Bad-pass-${i}` },
        }),
      ),
    )
    const right = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: t.identifier, password: t.password },
    })
    expect(right.status).toBe(429)
  })

  it('rotates refresh tokens and revokes the family when an old one is replayed', async () => {
    const t = await openTenant(platformToken)
    const session = await login(t.identifier, t.password)
    const next = await call(auth, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    })
    expect(next.status).toBe(200)
    expect(next.body.refreshToken).not.toBe(session.refreshToken)
    // the same client's retry gets the same new token; another client replaying the old one is a thief
    const retry = await call(auth, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    })
    expect(retry.status).toBe(200)
    expect(retry.body.refreshToken).toBe(next.body.refreshToken)
    const replay = await call(auth, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: session.refreshToken },
      ip: '203.0.113.9',
    })
    expect(replay.status).toBe(401)
    const afterReplay = await call(auth, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: next.body.refreshToken },
    })
    expect(afterReplay.status).toBe(401)
  })

  it('gives a client that retries concurrently one new token, and keeps the session', async () => {
    const t = await openTenant(platformToken)
    const session = await login(t.identifier, t.password)
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(auth, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } }),
      ),
    )
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    const tokens = new Set(results.map((r) => r.body.refreshToken))
    expect(tokens.size).toBe(1)
    const after = await call(auth, 'POST', '/v1/auth/refresh', { body: { refreshToken: [...tokens][0] } })
    expect(after.status).toBe(200)
  })

  it('lets only one of several clients presenting the same token win, and ends the session', async () => {
    const t = await openTenant(platformToken)
    const session = await login(t.identifier, t.password)
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call(auth, 'POST', '/v1/auth/refresh', {
          body: { refreshToken: session.refreshToken },
          ip: `198.51.100.${i + 1}`,
        }),
      ),
    )
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1)
    const winner = results.find((r) => r.status === 200)
    if (winner) {
      const reused = await call(auth, 'POST', '/v1/auth/refresh', {
        body: { refreshToken: winner.body.refreshToken },
      })
      expect(reused.status).toBe(401)
    }
  })

  it('ends the session when the old token comes back after the grace, even from the same client', async () => {
    const t = await openTenant(platformToken)
    const session = await login(t.identifier, t.password)
    const next = await call(auth, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    })
    advanceClock(REFRESH_GRACE_MS + 1000)
    try {
      const late = await call(auth, 'POST', '/v1/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      })
      expect(late.status).toBe(401)
      const theirs = await call(auth, 'POST', '/v1/auth/refresh', {
        body: { refreshToken: next.body.refreshToken },
      })
      expect(theirs.status).toBe(401)
    } finally {
      resetClock()
    }
  })

  it('ends the session on logout', async () => {
    const t = await openTenant(platformToken)
    const session = await login(t.identifier, t.password)
    expect((await call(auth, 'POST', '/v1/auth/logout', { token: session.accessToken })).status).toBe(204)
    expect(
      (await call(auth, 'POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })).status,
    ).toBe(401)
  })

  it('ends every other session when the password changes', async () => {
    const t = await openTenant(platformToken)
    const other = await login(t.identifier, t.password)
    const changed = await call(auth, 'POST', '/v1/auth/password', {
      token: t.accessToken,
      body: { currentPassword: t.password, newPassword: 'Another-password-2' },
    })
    expect(changed.status).toBe(200)
    expect(
      (await call(auth, 'POST', '/v1/auth/refresh', { body: { refreshToken: other.refreshToken } })).status,
    ).toBe(401)
    expect(
      (
        await call(auth, 'POST', '/v1/auth/login', {
          body: { identifier: t.identifier, password: t.password },
        })
      ).status,
    ).toBe(401)
    expect((await login(t.identifier, 'Another-password-2')).accessToken).toEqual(expect.any(String))
  })

  it('refuses a wrong current password and a weak new one with the failing field', async () => {
    const t = await openTenant(platformToken)
    const wrong = await call(auth, 'POST', '/v1/auth/password', {
      token: t.accessToken,
      body: { currentPassword: 'Not-it-123', newPassword: 'Fine-password-9' },
    })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.details[0].path).toBe('body.currentPassword')
    const weak = await call(auth, 'POST', '/v1/auth/password', {
      token: t.accessToken,
      body: { currentPassword: t.password, newPassword: 'short' },
    })
    expect(weak.status).toBe(400)
    expect(weak.body.error.details.map((d: { path: string }) => d.path)).toContain('body.newPassword')
  })

  it('offers a choice to a person in several tenants, and logs into the chosen one', async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken, { existing: a })
    const choice = await login(a.identifier, a.password)
    expect(choice.chooseFrom.map((c: { code: string }) => c.code).sort()).toEqual(
      [a.tenant.code, b.tenant.code].sort(),
    )
    const intoB = await login(a.identifier, a.password, { tenantCode: b.tenant.code })
    expect(intoB.tenant.tenantId).toBe(b.tenant.tenantId)
    const mine = await call(tenants, 'GET', '/v1/tenant', { token: intoB.accessToken })
    expect(mine.body.tenantId).toBe(b.tenant.tenantId)
  })

  it('keeps a login log for the owner and the tenant admins, without passwords', async () => {
    const t = await openTenant(platformToken)
    await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: t.identifier, password: 'Wrong-pass-1', tenantCode: t.tenant.code },
      ip: '203.0.113.9',
    })
    const own = await call(auth, 'GET', '/v1/auth/login-log', { token: t.accessToken })
    expect(own.status).toBe(200)
    expect(own.body.items.map((i: { result: string }) => i.result)).toEqual(
      expect.arrayContaining(['success', 'bad_password']),
    )
    expect(JSON.stringify(own.body)).not.toContain('Wrong-pass-1')
    const tenantLog = await call(auth, 'GET', '/v1/tenant/login-log', {
      token: t.accessToken,
      query: { limit: '1' },
    })
    expect(tenantLog.body.items).toHaveLength(1)
    expect(tenantLog.body.nextCursor).toEqual(expect.any(String))
    const page2 = await call(auth, 'GET', '/v1/tenant/login-log', {
      token: t.accessToken,
      query: { limit: '1', cursor: tenantLog.body.nextCursor },
    })
    expect(page2.body.items[0].at <= tenantLog.body.items[0].at).toBe(true)
  })

  it('rejects an expired access token', async () => {
    const t = await openTenant(platformToken)
    advanceClock(16 * 60_000)
    const res = await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('TOKEN_EXPIRED')
  })
})

describe('password parameters', () => {
  it('rehashes a password stored with weaker parameters at the next login, once', async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const saved = PASSWORD_PARAMS.log2N
    const identifier = `legacy-${Date.now()}@x.test`
    PASSWORD_PARAMS.log2N = 10
    try {
      await addPlainMember(t.tenant, { identifier, password: 'Legacy-password-1' })
    } finally {
      PASSWORD_PARAMS.log2N = saved
    }
    const cost = async () => (await findAccountByIdentifier(identifier))?.passwordHash.split('$')[1]
    expect(await cost()).toBe('10')
    await login(identifier, 'Legacy-password-1')
    expect(await cost()).toBe(String(saved))
    expect((await login(identifier, 'Legacy-password-1')).accessToken).toEqual(expect.any(String))
  })
})
