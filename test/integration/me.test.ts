import { handler as auth } from '../../functions/auth/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture, SEED } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

describe('personal centre', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('shows and edits my own profile', async () => {
    const t = await openTenant(platformToken)
    const mine = await call(directory, 'GET', '/v1/me', { token: t.accessToken })
    expect(mine.body).toMatchObject({
      identifier: t.identifier,
      scope: 'tenant',
      member: { name: 'Tenant Admin' },
    })
    const edited = await call(directory, 'PATCH', '/v1/me', {
      token: t.accessToken,
      body: { name: 'Chen Jing', mobile: '+86 136 0000 7777' },
    })
    expect(edited.body.member).toMatchObject({ name: 'Chen Jing', mobile: '+8613600007777' })
    const refused = await call(directory, 'PATCH', '/v1/me', {
      token: t.accessToken,
      body: { employeeNo: 'E1' },
    })
    expect(refused.status).toBe(400)
    const root = await call(directory, 'GET', '/v1/me', { token: platformToken })
    expect(root.body).toMatchObject({ identifier: SEED.adminIdentifier, scope: 'platform' })
    expect(root.body.member).toBeUndefined()
  })

  it('switches between my workbenches without a password', async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken, { existing: a })
    const listed = await call(auth, 'GET', '/v1/me/workbenches', { token: b.accessToken })
    expect(listed.body.items.map((c: { select: string }) => c.select).sort()).toEqual(
      [`tenant:${a.tenant.code}`, `tenant:${b.tenant.code}`].sort(),
    )
    const switched = await call(auth, 'POST', '/v1/me/switch', {
      token: b.accessToken,
      body: { select: `tenant:${a.tenant.code}` },
    })
    expect(switched.status).toBe(200)
    expect(
      (await call(tenants, 'GET', '/v1/tenant', { token: switched.body.accessToken })).body.tenantId,
    ).toBe(a.tenant.tenantId)
    const other = await openTenant(platformToken)
    const foreign = await call(auth, 'POST', '/v1/me/switch', {
      token: b.accessToken,
      body: { select: `tenant:${other.tenant.code}` },
    })
    expect(foreign.status).toBe(403)
    const bad = await call(auth, 'POST', '/v1/me/switch', {
      token: b.accessToken,
      body: { select: 'everything' },
    })
    expect(bad.status).toBe(400)
  })
})
