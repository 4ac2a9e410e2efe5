import { handler as auth } from '../../functions/auth/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { lastCode } from '../support/outbox.js'

useTestTable()

const ids = (res: { body: { items: { memberId: string }[] } }) => res.body.items.map((m) => m.memberId)

describe('mobile numbers: one stored form, national numbers read in the tenant region', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('makes +86139…, 86139… and 139… one contact: duplicates refused, found by any spelling, a login', async () => {
    const t = await openTenant(platformToken)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.phoneRegion).toBe('CN')
    const add = (body: Record<string, string>) =>
      call(directory, 'POST', '/v1/members', { token: t.accessToken, body })
    const added = await add({ name: 'Wang Wei', mobile: '+86 139 1234 5678' })
    expect(added.status).toBe(201)
    expect(added.body.member.mobile).toBe('+8613912345678')
    const memberId = added.body.member.memberId
    for (const mobile of ['8613912345678', '139 1234 5678']) {
      const again = await add({ name: 'Someone Else', mobile })
      expect([mobile, again.status, again.body.error.code]).toEqual([mobile, 409, 'ALREADY_EXISTS'])
    }
    for (const q of ['13912345678', '86 139 1234 5678', '+8613912345678']) {
      const found = await call(directory, 'GET', '/v1/members', { token: t.accessToken, query: { q } })
      expect([q, ids(found)]).toEqual([q, [memberId]])
    }
    expect((await login('139-1234-5678', added.body.initialPassword)).mustChangePassword).toBe(true)

    // Editing another member onto the same number, in another spelling, is refused too.
    const other = await add({ name: 'Li Na', mobile: '13700000001' })
    expect(other.body.member.mobile).toBe('+8613700000001')
    const edit = await call(directory, 'PATCH', `/v1/members/${other.body.member.memberId}`, {
      token: t.accessToken,
      body: { mobile: '86 139 1234 5678' },
    })
    expect(edit.status).toBe(409)

    const landline = await add({ name: 'Desk', mobile: '010 1234 5678' })
    expect(landline.status).toBe(400)
    expect(landline.body.error.details).toEqual([
      { path: 'body.mobile', message: 'not a valid mobile number (national numbers are read as CN)' },
    ])

    const file = [
      'name,mobile',
      'Wang Again,13912345678',
      'Zhao,86 136 0000 0001',
      'Zhao Twice,+8613600000001',
      'Desk,010 1234 5678',
    ].join('\n')
    const imported = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'csv', content: file, dryRun: false },
    })
    expect(
      imported.body.rows.map((r: { outcome: string; reason?: string }) => r.reason ?? r.outcome),
    ).toEqual([
      'unchanged',
      'added',
      'the same mobile number or e-mail address appears earlier in the file',
      'mobile: not a valid mobile number (national numbers are read as CN)',
    ])
    expect(imported.body.rows[0].memberId).toBe(memberId)

    // Joining by invitation: the stranger's national number becomes an E.164 login.
    const invite = await call(directory, 'POST', '/v1/invitations', { token: t.accessToken, body: {} })
    await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: '135 0000 0002', purpose: 'signup' } })
    const joined = await call(directory, 'POST', '/v1/invitations/redeem', {
      body: {
        code: invite.body.code,
        name: 'Joiner',
        mobile: '135 0000 0002',
        password: 'Joiner-pass-123',
        verificationCode: await lastCode('+8613500000002'),
      },
    })
    expect(joined.body.status).toBe('joined')
    const joiner = await login('+86 135 0000 0002', 'Joiner-pass-123')
    const me = await call(directory, 'GET', '/v1/me', { token: joiner.accessToken })
    expect([me.body.identifier, me.body.member.mobile]).toEqual(['+8613500000002', '+8613500000002'])
  })

  it('reads national numbers in the region the tenant was opened with or its administrator set', async () => {
    const open = (phoneRegion: string, identifier: string) =>
      call(tenants, 'POST', '/v1/tenants', {
        token: platformToken,
        body: {
          customerId: `cust-us-${Date.now()}-${Math.random()}`,
          name: 'Acme US',
          industry: 'office',
          planCode: 'general.professional',
          expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
          phoneRegion,
          admin: { identifier, name: 'Boss' },
          verification: { method: 'business-licence', reference: 'LIC-0001' },
        },
      })
    const refusals = [await open('ZZ', '(415) 555-0101'), await open('US', '139 1234 5678')]
    expect(
      refusals.map((r) => [r.status, r.body.error.details.map((d: { path: string }) => d.path)]),
    ).toEqual([
      [400, ['body.phoneRegion']],
      [400, ['body.admin.identifier']],
    ])
    const us = await open('us', '(415) 555-0101')
    expect(us.status).toBe(201)
    expect(us.body.tenant.phoneRegion).toBe('US')
    expect(us.body.admin).toMatchObject({ existingAccount: false })
    const boss = await login('+1 415 555 0101', us.body.admin.initialPassword)
    const changed = await activate(
      boss.accessToken,
      '+1 415 555 0101',
      us.body.admin.initialPassword,
      'Boss-password-1',
    )
    const token = changed.body.accessToken as string
    const admin = await call(directory, 'GET', '/v1/members', { token, query: { q: '415-555-0101' } })
    expect(admin.body.items.map((m: { mobile: string }) => m.mobile)).toEqual(['+14155550101'])
    const added = await call(directory, 'POST', '/v1/members', {
      token,
      body: { name: 'Jane Roe', mobile: '(415) 555-0100' },
    })
    expect(added.body.member.mobile).toBe('+14155550100')

    // A CN tenant switched to US: stored numbers stay as they are, new national ones read as US.
    const t = await openTenant(platformToken)
    const before = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Chen', mobile: '139 0000 0001' },
    })
    const bad = await call(tenants, 'PATCH', '/v1/tenant', {
      token: t.accessToken,
      body: { phoneRegion: 'XX' },
    })
    expect([bad.status, bad.body.error.details[0].path]).toEqual([400, 'body.phoneRegion'])
    const set = await call(tenants, 'PATCH', '/v1/tenant', {
      token: t.accessToken,
      body: { phoneRegion: 'US' },
    })
    expect([set.status, set.body.phoneRegion]).toEqual([200, 'US'])
    const after = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Roe', mobile: '415 555 0102' },
    })
    expect(after.body.member.mobile).toBe('+14155550102')
    const chen = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { q: '+86 139 0000 0001' },
    })
    expect(ids(chen)).toEqual([before.body.member.memberId])

    // Only an administrator with tenant.settings changes it.
    const role = await call(directory, 'POST', '/v1/roles', {
      token: t.accessToken,
      body: { name: 'Reader', permissions: ['tenant.read', 'members.read'] },
    })
    await call(directory, 'PUT', `/v1/members/${after.body.member.memberId}/roles`, {
      token: t.accessToken,
      body: { roleIds: [role.body.roleId] },
    })
    const first = await login('+1 415 555 0102', after.body.initialPassword)
    const reader = await activate(
      first.accessToken,
      '+1 415 555 0102',
      after.body.initialPassword,
      'Reader-password-1',
    )
    const denied = await call(tenants, 'PATCH', '/v1/tenant', {
      token: reader.body.accessToken,
      body: { phoneRegion: 'CN' },
    })
    expect(denied.status).toBe(403)
  })
})
