import { handler as auth } from '../../functions/auth/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { useTestTable } from '../support/dynamo.js'
import { login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { lastCode, sentTo } from '../support/outbox.js'

useTestTable()

let n = 0
/** A stranger with an invitation code, who proved their e-mail address with the code sent to it. */
const stranger = async (code: string) => {
  const email = `joiner${++n}-${Date.now()}@corp.test`
  await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: email, purpose: 'signup' } })
  return {
    code,
    name: `Joiner ${n}`,
    email,
    password: 'Joiner-pass-123',
    verificationCode: await lastCode(email),
  }
}

describe('invitations', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })
  afterEach(() => resetClock())

  it('lets strangers join by code into the department, up to the maximum uses, with a QR code and URL', async () => {
    const t = await openTenant(platformToken)
    const dept = (
      await call(directory, 'POST', '/v1/departments', { token: t.accessToken, body: { name: 'Plant 1' } })
    ).body.deptId
    const invite = await call(directory, 'POST', '/v1/invitations', {
      token: t.accessToken,
      body: { departmentId: dept, maxUses: 3, expiresInDays: 7 },
    })
    expect(invite.status).toBe(201)
    expect(invite.body.url).toBe(`https://${t.tenant.code}.atrium.localhost/join?code=${invite.body.code}`)
    const qr = await call(directory, 'GET', `/v1/invitations/${invite.body.inviteId}/qr`, {
      token: t.accessToken,
    })
    expect(qr.headers['content-type']).toMatch(/^image\/svg\+xml/)
    expect(String(qr.body)).toContain('<svg')

    const results = await Promise.all(
      (await Promise.all(Array.from({ length: 6 }, () => stranger(invite.body.code)))).map((body) =>
        call(directory, 'POST', '/v1/invitations/redeem', { body }),
      ),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(3)
    for (const r of results.filter((x) => x.status !== 201))
      expect(r.body.error.code).toBe('INVITATION_USED_UP')
    const joined = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { departmentId: dept },
    })
    expect(joined.body.items).toHaveLength(3)
    const one = results.find((r) => r.status === 201)
    expect(one?.body).toMatchObject({ status: 'joined', tenant: { code: t.tenant.code } })
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(4)
  })

  it('refuses expired and revoked codes, unknown codes, and a code used to claim an existing login', async () => {
    const t = await openTenant(platformToken)
    const invite = (
      await call(directory, 'POST', '/v1/invitations', { token: t.accessToken, body: { expiresInDays: 1 } })
    ).body
    advanceClock(2 * 86_400_000)
    const expired = await call(directory, 'POST', '/v1/invitations/redeem', {
      body: await stranger(invite.code),
    })
    expect([expired.status, expired.body.error.code]).toEqual([410, 'INVITATION_EXPIRED'])
    resetClock()
    const token = (await login(t.identifier, t.password)).accessToken
    const other = (await call(directory, 'POST', '/v1/invitations', { token, body: {} })).body
    expect((await call(directory, 'DELETE', `/v1/invitations/${other.inviteId}`, { token })).status).toBe(204)
    const revoked = await call(directory, 'POST', '/v1/invitations/redeem', {
      body: await stranger(other.code),
    })
    expect([revoked.status, revoked.body.error.code]).toEqual([410, 'INVITATION_REVOKED'])
    expect(
      (await call(directory, 'POST', '/v1/invitations/redeem', { body: await stranger('NOSUCHCODE') }))
        .status,
    ).toBe(404)
    const open = (await call(directory, 'POST', '/v1/invitations', { token, body: {} })).body
    // Someone else's address: the sign-up code goes to its owner, who is told they already have a login.
    const before = (await sentTo(t.identifier)).length
    await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: t.identifier, purpose: 'signup' } })
    const told = await sentTo(t.identifier)
    expect(told).toHaveLength(before + 1)
    expect(told.at(-1)?.subject).toMatch(/already have/)
    const hijack = await call(directory, 'POST', '/v1/invitations/redeem', {
      body: { ...(await stranger(open.code)), email: t.identifier, verificationCode: '123456' },
    })
    expect([hijack.status, hijack.body.error.details[0].path]).toEqual([400, 'body.verificationCode'])
    const weak = await call(directory, 'POST', '/v1/invitations/redeem', {
      body: { ...(await stranger(open.code)), password: 'short' },
    })
    expect(weak.status).toBe(400)
    expect(weak.body.error.details[0].path).toBe('body.password')
  })

  it('queues requests for approval, and lets a logged-in person join another enterprise', async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken)
    const invite = (
      await call(directory, 'POST', '/v1/invitations', {
        token: a.accessToken,
        body: { needsApproval: true },
      })
    ).body
    const asked = await call(directory, 'POST', '/v1/invitations/redeem', {
      body: await stranger(invite.code),
    })
    expect(asked.body.status).toBe('pending')
    const fromB = await call(directory, 'POST', '/v1/me/join', {
      token: b.accessToken,
      body: { code: invite.code, name: 'B Admin' },
    })
    expect(fromB.body.status).toBe('pending')
    const pending = await call(directory, 'GET', '/v1/join-requests', { token: a.accessToken })
    expect(pending.body.items).toHaveLength(2)
    const [first, second] = pending.body.items
    expect(
      (
        await call(directory, 'POST', `/v1/join-requests/${first.requestId}/approve`, {
          token: a.accessToken,
        })
      ).body.status,
    ).toBe('approved')
    expect(
      (
        await call(directory, 'POST', `/v1/join-requests/${second.requestId}/reject`, {
          token: a.accessToken,
        })
      ).body.status,
    ).toBe('rejected')
    expect(
      (
        await call(directory, 'POST', `/v1/join-requests/${first.requestId}/approve`, {
          token: a.accessToken,
        })
      ).status,
    ).toBe(404)
    expect(
      (await call(directory, 'GET', '/v1/join-requests', { token: a.accessToken })).body.items,
    ).toHaveLength(0)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: a.accessToken })).body.usage.members).toBe(2)

    const direct = (await call(directory, 'POST', '/v1/invitations', { token: a.accessToken, body: {} })).body
    const c = await openTenant(platformToken)
    const joined = await call(directory, 'POST', '/v1/me/join', {
      token: c.accessToken,
      body: { code: direct.code, name: 'C Admin' },
    })
    expect(joined.body).toMatchObject({ status: 'joined', tenant: { code: a.tenant.code } })
    const realms = await call(auth, 'GET', '/v1/me/workbenches', { token: c.accessToken })
    expect(realms.body.items.map((r: { code: string }) => r.code)).toContain(a.tenant.code)
    // join requests of one workbench are invisible to another
    expect(
      (
        await call(directory, 'POST', `/v1/join-requests/${second.requestId}/approve`, {
          token: b.accessToken,
        })
      ).status,
    ).toBe(404)
  })
})
