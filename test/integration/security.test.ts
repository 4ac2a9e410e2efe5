import { handler as auth } from '../../functions/auth/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { advanceClock, nowMs, resetClock } from '../../lib/core/clock.js'
import { config, resetConfig } from '../../lib/core/config.js'
import { admitAttempt } from '../../lib/identity/throttle.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { lastCode, sentTo } from '../support/outbox.js'

useTestTable()

/**
 * The attempt counters' windows are aligned to the clock: a test of a lock starts at a window's
 * beginning, so its attempts never straddle two windows (a run crossing one split the count).
 */
const startOfWindow = () => {
  const windowMs = config().LOGIN_FAILURE_WINDOW_MINUTES * 60_000
  advanceClock(windowMs - (nowMs() % windowMs))
}

let n = 0
const uniqueEmail = (who: string) => `${who}-${++n}-${Date.now()}@victim.test`

describe('the holes an attacker found, closed', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })
  afterEach(() => resetClock())

  describe('account pre-registration', () => {
    it('lets nobody create the login of an address they cannot read, with any invitation', async () => {
      const t = await openTenant(platformToken)
      const invite = (
        await call(directory, 'POST', '/v1/invitations', {
          token: t.accessToken,
          body: { needsApproval: true },
        })
      ).body
      const victim = uniqueEmail('victim')
      const attempt = (verificationCode: string) =>
        call(directory, 'POST', '/v1/invitations/redeem', {
          body: {
            code: invite.code,
            name: 'Not Victim',
            email: victim,
            password: 'Stranger-pass-1',
            verificationCode,
          },
        })
      // A guess, or no code asked for: refused, and nothing is created.
      expect((await attempt('000000')).status).toBe(400)
      await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: victim, purpose: 'signup' } })
      // Five guesses are all a code allows, however they arrive; the real code then no longer works.
      const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(String(100000 + i))))
      expect(guesses.every((g) => g.status === 400)).toBe(true)
      expect((await attempt(await lastCode(victim))).status).toBe(400)
      const stranger = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: victim, password: 'Stranger-pass-1' },
      })
      expect(stranger.status).toBe(401)
    })

    it('never makes a one-time password a login without the code sent to its owner, in any tenant', async () => {
      const a = await openTenant(platformToken)
      const b = await openTenant(platformToken)
      const victim = uniqueEmail('person')
      // Tenant A's admin adds someone else's address and reads the one-time password.
      const added = await call(directory, 'POST', '/v1/members', {
        token: a.accessToken,
        body: { name: 'P', email: victim },
      })
      const otp = added.body.initialPassword as string
      // Later, tenant B adds the same person: their login is linked, not created.
      const linked = await call(directory, 'POST', '/v1/members', {
        token: b.accessToken,
        body: { name: 'P', email: victim },
      })
      expect(linked.body).toMatchObject({ existingAccount: true })
      expect(linked.body.initialPassword).toBeUndefined()
      // A's admin logs in with the one-time password: only the password change is open, and it needs the code.
      const session = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: victim, password: otp, tenantCode: b.tenant.code },
      })
      expect(session.body.mustChangePassword).toBe(true)
      const members = await call(directory, 'GET', '/v1/me', { token: session.body.accessToken })
      expect(members.body.error.code).toBe('PASSWORD_CHANGE_REQUIRED')
      await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: victim, purpose: 'activate' } })
      const guessed = await call(auth, 'POST', '/v1/auth/password', {
        token: session.body.accessToken,
        body: { currentPassword: otp, newPassword: 'Taken-over-1', verificationCode: '999999' },
      })
      expect([guessed.status, guessed.body.error.details[0].path]).toEqual([400, 'body.verificationCode'])
      // The code went to the address, nowhere else.
      expect((await sentTo(victim)).at(-1)?.subject).toMatch(/\d{6}/)
      // The owner, who reads the address, makes the login theirs (by reset: they never saw the one-time password).
      await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: victim, purpose: 'reset' } })
      const reset = await call(auth, 'POST', '/v1/auth/password/reset', {
        body: { identifier: victim, code: await lastCode(victim), newPassword: 'Owner-pass-12' },
      })
      expect(reset.status).toBe(204)
      expect(
        (await call(auth, 'POST', '/v1/auth/login', { body: { identifier: victim, password: otp } })).status,
      ).toBe(401)
      expect((await login(victim, 'Owner-pass-12', { tenantCode: b.tenant.code })).mustChangePassword).toBe(
        false,
      )
    })
  })

  describe('privilege', () => {
    /** A business admin with exactly these permissions, logged in. */
    const businessAdmin = async (adminToken: string, permissions: string[]) => {
      const email = uniqueEmail('ba')
      const added = await call(directory, 'POST', '/v1/members', {
        token: adminToken,
        body: { name: 'BA', email },
      })
      const role = await call(directory, 'POST', '/v1/roles', {
        token: adminToken,
        body: { name: `r-${permissions.join('-')}-${++n}`, permissions },
      })
      await call(directory, 'PUT', `/v1/members/${added.body.member.memberId}/roles`, {
        token: adminToken,
        body: { roleIds: [role.body.roleId] },
      })
      const first = await login(email, added.body.initialPassword)
      const changed = await activate(first.accessToken, email, added.body.initialPassword, 'Business-pass-1')
      return { token: changed.body.accessToken as string, memberId: added.body.member.memberId as string }
    }

    it('lets nobody reset, disable, edit, unlock, move or remove a member who holds more than they do', async () => {
      const t = await openTenant(platformToken)
      const low = await businessAdmin(t.accessToken, ['members.read', 'members.write'])
      const high = await businessAdmin(t.accessToken, ['members.read', 'members.write', 'roles.write'])
      const plain = (
        await call(directory, 'POST', '/v1/members', {
          token: t.accessToken,
          body: { name: 'Plain', email: uniqueEmail('plain') },
        })
      ).body.member.memberId
      const as = (method: string, path: string, body?: unknown) =>
        call(directory, method, path, { token: low.token, body })
      const attempts = [
        () => as('POST', `/v1/members/${high.memberId}/reset-password`),
        () => as('POST', `/v1/members/${high.memberId}/disable`),
        () => as('PATCH', `/v1/members/${high.memberId}`, { name: 'Renamed' }),
        () => as('POST', `/v1/members/${high.memberId}/unlock`),
        () => as('PUT', `/v1/members/${high.memberId}/departments`, { departmentIds: [] }),
        () => as('DELETE', `/v1/members/${high.memberId}`),
      ]
      for (const attempt of attempts) {
        const res = await attempt()
        expect([res.status, res.body?.error?.code]).toEqual([403, 'FORBIDDEN'])
      }
      // The one who holds more still works, untouched.
      expect((await call(directory, 'GET', '/v1/members', { token: high.token })).status).toBe(200)
      // On someone who holds no more than they do, the same actions work.
      expect((await as('PATCH', `/v1/members/${plain}`, { name: 'Renamed' })).status).toBe(200)
      expect((await as('POST', `/v1/members/${plain}/reset-password`)).status).toBe(200)
      expect((await as('POST', `/v1/members/${plain}/disable`)).status).toBe(200)
    })
  })

  describe('tokens die with what they stand for', () => {
    /** A member of a fresh tenant with a live session, and the tenant's admin. */
    const memberSession = async () => {
      const t = await openTenant(platformToken)
      const email = uniqueEmail('m')
      const added = await call(directory, 'POST', '/v1/members', {
        token: t.accessToken,
        body: { name: 'M', email },
      })
      const first = await login(email, added.body.initialPassword)
      const changed = await activate(first.accessToken, email, added.body.initialPassword, 'Member-pass-12')
      const token = changed.body.accessToken as string
      expect((await call(directory, 'GET', '/v1/me', { token })).status).toBe(200)
      return { t, token, email, memberId: added.body.member.memberId as string }
    }
    const refused = async (token: string) => {
      const read = await call(directory, 'GET', '/v1/me', { token })
      const write = await call(directory, 'PATCH', '/v1/me', { token, body: { name: 'Still here' } })
      return [read.status, write.status]
    }

    it('on logout', async () => {
      const m = await memberSession()
      await call(auth, 'POST', '/v1/auth/logout', { token: m.token })
      expect(await refused(m.token)).toEqual([401, 401])
    })

    it('on disable, removal, and an admin password reset', async () => {
      const disabled = await memberSession()
      await call(directory, 'POST', `/v1/members/${disabled.memberId}/disable`, {
        token: disabled.t.accessToken,
      })
      expect(await refused(disabled.token)).toEqual([403, 403])
      const removed = await memberSession()
      await call(directory, 'DELETE', `/v1/members/${removed.memberId}`, { token: removed.t.accessToken })
      expect(await refused(removed.token)).toEqual([401, 401])
      const reset = await memberSession()
      await call(directory, 'POST', `/v1/members/${reset.memberId}/reset-password`, {
        token: reset.t.accessToken,
      })
      expect(await refused(reset.token)).toEqual([401, 401])
    })

    it('on a password change, for every other session', async () => {
      const m = await memberSession()
      const other = await login(m.email, 'Member-pass-12')
      const changed = await call(auth, 'POST', '/v1/auth/password', {
        token: m.token,
        body: { currentPassword: 'Member-pass-12', newPassword: 'Member-pass-34' },
      })
      expect(changed.status).toBe(200)
      expect(await refused(other.accessToken)).toEqual([401, 401])
      expect(await refused(m.token)).toEqual([401, 401])
      expect((await call(directory, 'GET', '/v1/me', { token: changed.body.accessToken })).status).toBe(200)
    })

    it('on freeze (members out, the admin reads only) and on release (everyone out, no data read)', async () => {
      const m = await memberSession()
      await call(tenants, 'POST', `/v1/tenants/${m.t.tenant.tenantId}/freeze`, {
        token: platformToken,
        body: {},
      })
      expect(await refused(m.token)).toEqual([403, 403])
      const adminRead = await call(directory, 'GET', '/v1/members', { token: m.t.accessToken })
      expect(adminRead.status).toBe(200)
      const adminWrite = await call(directory, 'POST', '/v1/departments', {
        token: m.t.accessToken,
        body: { name: 'X' },
      })
      expect([adminWrite.status, adminWrite.body.error.code]).toEqual([403, 'TENANT_FROZEN'])
      const { releaseTenant } = await import('../../lib/tenants/lifecycle.js')
      await releaseTenant(m.t.tenant.tenantId, { actor: 'test' })
      const afterRelease = await call(directory, 'GET', '/v1/members', { token: m.t.accessToken })
      expect(afterRelease.status).toBe(401)
      const create = await call(directory, 'POST', '/v1/groups', {
        token: m.t.accessToken,
        body: { name: 'G' },
      })
      expect(create.status).toBe(401)
    })
  })

  describe('lockout', () => {
    it('holds under 20 parallel guesses: the right password sent in the burst does not get in', async () => {
      const t = await openTenant(platformToken)
      startOfWindow()
      const results = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) =>
          call(auth, 'POST', '/v1/auth/login', {
            body: { identifier: t.identifier, password: `Wrong-pass-${i}` },
          }),
        ),
        call(auth, 'POST', '/v1/auth/login', { body: { identifier: t.identifier, password: t.password } }),
      ])
      // At most the window's five attempts were checked (the right one among them, if it was
      // admitted early enough); the rest were refused before any check.
      const checked = results.filter((r) => r.status === 401 || r.status === 200)
      expect(checked.length).toBeLessThanOrEqual(5)
      expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(16)
      const rightInBurst = results.at(-1)?.status
      const right = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: t.identifier, password: t.password },
      })
      if (rightInBurst === 200) {
        // it was one of the five checked; whether its success started the counters again depends
        // on the order (the deterministic tests below hold each order to its answer)
        expect([200, 429]).toContain(right.status)
      } else {
        // refused in the burst: the lock the wrong ones set holds for the right password too
        expect([rightInBurst, right.status]).toEqual([429, 429])
        expect(right.body.error.details.retryAfterSeconds).toBeGreaterThan(0)
      }
    })

    it('keeps a lock that failures set while a right password was being checked', async () => {
      // the order the burst above can fall into: the right password admitted first, its success
      // recorded after the failures locked the counters
      const identifier = `burst-${Date.now()}`
      const right = await admitAttempt(identifier, '198.51.100.7')
      const failures = []
      for (let i = 0; i < 4; i++)
        failures.push(await (await admitAttempt(identifier, '198.51.100.7')).failed())
      expect(failures.at(-1)?.retryAfterSeconds).toBeGreaterThan(0)
      await right.succeeded()
      await expect(admitAttempt(identifier, '198.51.100.7')).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' })
    })

    it('gives a burst no more guesses when a success lands inside it', async () => {
      const identifier = `burst-${Date.now()}-more`
      const right = await admitAttempt(identifier, '198.51.100.8')
      for (let i = 0; i < 2; i++) await (await admitAttempt(identifier, '198.51.100.8')).failed()
      await right.succeeded()
      // three of the window's five were used before the success: two more, and the second locks
      expect(
        (await (await admitAttempt(identifier, '198.51.100.8')).failed()).retryAfterSeconds,
      ).toBeUndefined()
      expect(
        (await (await admitAttempt(identifier, '198.51.100.8')).failed()).retryAfterSeconds,
      ).toBeGreaterThan(0)
    })

    it('answers the attempt that locks with when to retry, and makes repeated locks longer', async () => {
      const t = await openTenant(platformToken)
      const fail = () =>
        call(auth, 'POST', '/v1/auth/login', { body: { identifier: t.identifier, password: 'Nope-nope-1' } })
      for (let i = 0; i < 4; i++) expect((await fail()).status).toBe(401)
      const fifth = await fail()
      expect(fifth.status).toBe(429)
      const first = fifth.body.error.details.retryAfterSeconds as number
      expect(first).toBeGreaterThan(0)
      advanceClock((first + 1) * 1000)
      for (let i = 0; i < 4; i++) await fail()
      const again = await fail()
      expect(again.body.error.details.retryAfterSeconds).toBeGreaterThan(first)
    })

    it("lets no stranger lock the owner out from the owner's own address, the system administrator included", async () => {
      const t = await openTenant(platformToken)
      for (let i = 0; i < 8; i++) {
        await call(auth, 'POST', '/v1/auth/login', {
          body: { identifier: t.identifier, password: `Guess-${i}-pass` },
          ip: '203.0.113.66',
        })
      }
      const stranger = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: t.identifier, password: t.password },
        ip: '203.0.113.66',
      })
      expect(stranger.status).toBe(429)
      const owner = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: t.identifier, password: t.password },
        ip: '198.51.100.7',
      })
      expect(owner.status).toBe(200)
      for (let i = 0; i < 8; i++) {
        await call(auth, 'POST', '/v1/auth/login', {
          body: { identifier: 'root@atrium.test', password: `Guess-${i}-pass` },
          ip: '203.0.113.67',
        })
      }
      expect((await login('root@atrium.test', 'Root-password-1')).accessToken).toBeDefined()
    })

    it('answers an unknown identifier exactly as a wrong password, lock included', async () => {
      const t = await openTenant(platformToken)
      const known = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: t.identifier, password: 'Wrong-pass-1' },
      })
      const unknown = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: uniqueEmail('nobody'), password: 'Wrong-pass-1' },
      })
      expect([unknown.status, unknown.body]).toEqual([known.status, known.body])
      const ghost = uniqueEmail('ghost')
      startOfWindow()
      const answers = []
      for (let i = 0; i < 6; i++)
        answers.push(
          (
            await call(auth, 'POST', '/v1/auth/login', {
              body: { identifier: ghost, password: 'Wrong-pass-1' },
            })
          ).status,
        )
      expect(answers).toEqual([401, 401, 401, 401, 429, 429])
    })

    it('is lifted by the owner proving the login, by an admin reset, and by an admin unlock', async () => {
      const t = await openTenant(platformToken)
      const email = uniqueEmail('locked')
      const added = await call(directory, 'POST', '/v1/members', {
        token: t.accessToken,
        body: { name: 'L', email },
      })
      const memberId = added.body.member.memberId
      const first = await login(email, added.body.initialPassword)
      await activate(first.accessToken, email, added.body.initialPassword, 'Locked-pass-12')
      const lockOut = async () => {
        for (let i = 0; i < 5; i++)
          await call(auth, 'POST', '/v1/auth/login', {
            body: { identifier: email, password: `Bad-pass-${i}` },
          })
        const res = await call(auth, 'POST', '/v1/auth/login', {
          body: { identifier: email, password: 'Locked-pass-12' },
        })
        expect(res.status).toBe(429)
      }
      await lockOut()
      expect(
        (await call(directory, 'POST', `/v1/members/${memberId}/unlock`, { token: t.accessToken })).status,
      ).toBe(204)
      expect((await login(email, 'Locked-pass-12')).accessToken).toBeDefined()
      await lockOut()
      await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: email, purpose: 'reset' } })
      await call(auth, 'POST', '/v1/auth/password/reset', {
        body: { identifier: email, code: await lastCode(email), newPassword: 'Locked-pass-34' },
      })
      expect((await login(email, 'Locked-pass-34')).accessToken).toBeDefined()
      await lockOut().catch(() => undefined)
      for (let i = 0; i < 5; i++)
        await call(auth, 'POST', '/v1/auth/login', { body: { identifier: email, password: `Bad-pass-${i}` } })
      const reset = await call(directory, 'POST', `/v1/members/${memberId}/reset-password`, {
        token: t.accessToken,
      })
      expect((await login(email, reset.body.initialPassword)).mustChangePassword).toBe(true)
    })

    it('covers the current password of a password change (a stolen token cannot guess it)', async () => {
      const t = await openTenant(platformToken)
      const statuses = []
      for (let i = 0; i < 6; i++) {
        const res = await call(auth, 'POST', '/v1/auth/password', {
          token: t.accessToken,
          body: { currentPassword: `Guess-${i}-pass`, newPassword: 'Whatever-pass-1' },
        })
        statuses.push(res.status)
      }
      expect(statuses).toEqual([400, 400, 400, 400, 429, 429])
    })
  })

  describe('codes', () => {
    it('sends an address at most so many codes an hour, whoever asks for them', async () => {
      const saved = process.env.CODE_REQUESTS_PER_HOUR_PER_ADDRESS
      process.env.CODE_REQUESTS_PER_HOUR_PER_ADDRESS = '3'
      resetConfig()
      try {
        const ask = (i: number) =>
          call(auth, 'POST', '/v1/auth/codes', {
            body: { identifier: uniqueEmail(`spam${i}`), purpose: 'signup' },
            ip: '192.0.2.44',
          })
        const statuses = []
        for (let i = 0; i < 5; i++) statuses.push((await ask(i)).status)
        expect(statuses).toEqual([202, 202, 202, 429, 429])
        const elsewhere = await call(auth, 'POST', '/v1/auth/codes', {
          body: { identifier: uniqueEmail('other'), purpose: 'signup' },
          ip: '192.0.2.45',
        })
        expect(elsewhere.status).toBe(202)
        // and one address gets at most one code a minute, whoever asks
        const victim = uniqueEmail('flooded')
        const first = await call(auth, 'POST', '/v1/auth/codes', {
          body: { identifier: victim, purpose: 'signup' },
          ip: '192.0.2.46',
        })
        const again = await call(auth, 'POST', '/v1/auth/codes', {
          body: { identifier: victim, purpose: 'signup' },
          ip: '192.0.2.47',
        })
        expect([first.status, again.status]).toEqual([202, 429])
        expect(await sentTo(victim)).toHaveLength(1)
      } finally {
        process.env.CODE_REQUESTS_PER_HOUR_PER_ADDRESS = saved
        resetConfig()
      }
    })
  })

  describe('answers that tell the truth', () => {
    it('tells a disabled member and a joiner waiting for approval what is true', async () => {
      const t = await openTenant(platformToken)
      const email = uniqueEmail('d')
      const added = await call(directory, 'POST', '/v1/members', {
        token: t.accessToken,
        body: { name: 'D', email },
      })
      const first = await login(email, added.body.initialPassword)
      await activate(first.accessToken, email, added.body.initialPassword, 'Disabled-pass-1')
      await call(directory, 'POST', `/v1/members/${added.body.member.memberId}/disable`, {
        token: t.accessToken,
      })
      const disabled = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: email, password: 'Disabled-pass-1' },
      })
      expect([disabled.status, disabled.body.error.code]).toEqual([403, 'ACCOUNT_DISABLED'])
      expect(disabled.body.error.message).toContain(t.tenant.name)

      const invite = (
        await call(directory, 'POST', '/v1/invitations', {
          token: t.accessToken,
          body: { needsApproval: true },
        })
      ).body
      const joiner = uniqueEmail('j')
      await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: joiner, purpose: 'signup' } })
      await call(directory, 'POST', '/v1/invitations/redeem', {
        body: {
          code: invite.code,
          name: 'J',
          email: joiner,
          password: 'Joiner-pass-12',
          verificationCode: await lastCode(joiner),
        },
      })
      const waiting = await call(auth, 'POST', '/v1/auth/login', {
        body: { identifier: joiner, password: 'Joiner-pass-12' },
      })
      expect([waiting.status, waiting.body.error.code]).toEqual([403, 'APPROVAL_PENDING'])
    })

    it("puts members' failed logins in their tenant's login log", async () => {
      const t = await openTenant(platformToken)
      const email = uniqueEmail('f')
      await call(directory, 'POST', '/v1/members', { token: t.accessToken, body: { name: 'F', email } })
      await call(auth, 'POST', '/v1/auth/login', { body: { identifier: email, password: 'Wrong-pass-1' } })
      const log = await call(auth, 'GET', '/v1/tenant/login-log', {
        token: t.accessToken,
        query: { limit: '50' },
      })
      expect(log.body.items.some((e: { result: string }) => e.result === 'bad_password')).toBe(true)
    })
  })
})
