import { handler as directory } from '../../functions/directory/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

let n = 0

describe('roles and business administrators', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  /** Adds a member, gives them roles with these permissions, and returns their token. */
  const businessAdmin = async (adminToken: string, permissions: string[]) => {
    const added = await call(directory, 'POST', '/v1/members', {
      token: adminToken,
      body: { name: `Biz ${++n}`, email: `biz${n}-${Date.now()}@corp.test` },
    })
    const role = await call(directory, 'POST', '/v1/roles', {
      token: adminToken,
      body: { name: `role ${n}`, permissions },
    })
    expect(role.status).toBe(201)
    const set = await call(directory, 'PUT', `/v1/members/${added.body.member.memberId}/roles`, {
      token: adminToken,
      body: { roleIds: [role.body.roleId] },
    })
    expect(set.body.permissions.sort()).toEqual([...permissions].sort())
    const first = await login(added.body.member.email, added.body.initialPassword)
    const changed = await activate(
      first.accessToken,
      added.body.member.email,
      added.body.initialPassword,
      'Business-admin-1',
    )
    return {
      token: changed.body.accessToken as string,
      memberId: added.body.member.memberId as string,
      roleId: role.body.roleId as string,
      email: added.body.member.email as string,
    }
  }

  it('lets a business admin do exactly what their roles allow', async () => {
    const t = await openTenant(platformToken)
    const reader = await businessAdmin(t.accessToken, ['members.read'])
    expect((await call(directory, 'GET', '/v1/members', { token: reader.token })).status).toBe(200)
    const write = await call(directory, 'POST', '/v1/members', {
      token: reader.token,
      body: { name: 'X', email: 'x@corp.test' },
    })
    expect(write.status).toBe(403)
    expect((await call(directory, 'GET', '/v1/roles', { token: reader.token })).status).toBe(403)
  })

  it('never lets a business admin grant what they do not hold, nor touch the tenant administrator', async () => {
    const t = await openTenant(platformToken)
    const admin = await businessAdmin(t.accessToken, ['roles.write', 'members.read', 'members.write'])
    const tooMuch = await call(directory, 'POST', '/v1/roles', {
      token: admin.token,
      body: { name: 'auditor', permissions: ['audit.read'] },
    })
    expect(tooMuch.status).toBe(403)
    const ok = await call(directory, 'POST', '/v1/roles', {
      token: admin.token,
      body: { name: 'reader', permissions: ['members.read'] },
    })
    expect(ok.status).toBe(201)
    const tenantAdminId = JSON.parse(
      Buffer.from(t.accessToken.split('.')[1] as string, 'base64url').toString(),
    ).sub
    for (const [method, path, body] of [
      ['PUT', `/v1/members/${tenantAdminId}/roles`, { roleIds: [ok.body.roleId] }],
      ['POST', `/v1/members/${tenantAdminId}/disable`, undefined],
      ['POST', `/v1/members/${tenantAdminId}/reset-password`, undefined],
      ['PATCH', `/v1/members/${tenantAdminId}`, { name: 'Hijacked' }],
      ['DELETE', `/v1/members/${tenantAdminId}`, undefined],
    ] as const) {
      const res = await call(directory, method, path, { token: admin.token, body })
      expect([method, path, res.status]).toEqual([method, path, 403])
    }
    // nor take a permission away that they could not give
    const auditor = await businessAdmin(t.accessToken, ['audit.read'])
    const strip = await call(directory, 'PUT', `/v1/members/${auditor.memberId}/roles`, {
      token: admin.token,
      body: { roleIds: [] },
    })
    expect(strip.status).toBe(403)
  })

  it("carries a role's new permissions to its holders, and refuses to delete a role in use", async () => {
    const t = await openTenant(platformToken)
    const holder = await businessAdmin(t.accessToken, ['members.read'])
    const updated = await call(directory, 'PATCH', `/v1/roles/${holder.roleId}`, {
      token: t.accessToken,
      body: { permissions: ['members.read', 'audit.read'] },
    })
    expect(updated.body.permissions).toEqual(['members.read', 'audit.read'])
    const again = await login(holder.email, 'Business-admin-1')
    expect((await call(directory, 'GET', '/v1/tenant/audit', { token: again.accessToken })).status).toBe(200)
    expect(
      (await call(directory, 'DELETE', `/v1/roles/${holder.roleId}`, { token: t.accessToken })).status,
    ).toBe(409)
    const stripped = await call(directory, 'PUT', `/v1/members/${holder.memberId}/roles`, {
      token: t.accessToken,
      body: { roleIds: [] },
    })
    expect(stripped.body).toMatchObject({ roles: [], permissions: [] })
    // the member's next session carries nothing of the role
    const after = await login(holder.email, 'Business-admin-1')
    expect((await call(directory, 'GET', '/v1/tenant/audit', { token: after.accessToken })).status).toBe(403)
    expect(
      (await call(directory, 'GET', `/v1/members/${holder.memberId}`, { token: t.accessToken })).body.roles,
    ).toEqual([])
    expect(
      (await call(directory, 'DELETE', `/v1/roles/${holder.roleId}`, { token: t.accessToken })).status,
    ).toBe(204)
    const unknown = await call(directory, 'PUT', `/v1/members/${holder.memberId}/roles`, {
      token: t.accessToken,
      body: { roleIds: ['01nosuchroleaaaaaaaaaaaaaa'] },
    })
    expect(unknown.status).toBe(400)
  })

  it('frees a role when its holder is removed, and keeps holders counted under concurrent assignments', async () => {
    const t = await openTenant(platformToken)
    const holder = await businessAdmin(t.accessToken, ['members.read'])
    expect(
      (await call(directory, 'DELETE', `/v1/members/${holder.memberId}`, { token: t.accessToken })).status,
    ).toBe(204)
    // nobody holds the role any more
    expect(
      (await call(directory, 'DELETE', `/v1/roles/${holder.roleId}`, { token: t.accessToken })).status,
    ).toBe(204)

    const roles: string[] = []
    for (const name of ['r1', 'r2', 'r3', 'r4']) {
      const r = await call(directory, 'POST', '/v1/roles', {
        token: t.accessToken,
        body: { name, permissions: ['members.read'] },
      })
      roles.push(r.body.roleId)
    }
    const member = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Contested', email: `contested-${Date.now()}@corp.test` },
    })
    const memberId = member.body.member.memberId
    // each request gives a different single role, all at once: one of them ends up held
    const sets = await Promise.all(
      roles.map((roleId) =>
        call(directory, 'PUT', `/v1/members/${memberId}/roles`, {
          token: t.accessToken,
          body: { roleIds: [roleId] },
        }),
      ),
    )
    expect(sets.every((r) => r.status === 200)).toBe(true)
    const held = (await call(directory, 'GET', `/v1/members/${memberId}`, { token: t.accessToken })).body
      .roles
    expect(held).toHaveLength(1)
    // exactly the held role is counted as held: the others can go, it cannot
    for (const roleId of roles) {
      const res = await call(directory, 'DELETE', `/v1/roles/${roleId}`, { token: t.accessToken })
      expect([roleId, res.status]).toEqual([roleId, roleId === held[0] ? 409 : 204])
    }
  })
})
