import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

type Tenant = Awaited<ReturnType<typeof openTenant>>

let n = 0
/** A member added by the admin (by e-mail, and a mobile when given). */
const colleague = async (t: Tenant, body: Record<string, unknown>) => {
  const email = `c${++n}-${Date.now()}@corp.test`
  const added = await call(directory, 'POST', '/v1/members', {
    token: t.accessToken,
    body: { email, ...body },
  })
  if (added.status !== 201) throw new Error(JSON.stringify(added.body))
  return {
    memberId: added.body.member.memberId as string,
    email,
    initialPassword: added.body.initialPassword,
  }
}

/** A colleague signed in with their own password. */
const signedIn = async (t: Tenant, name: string) => {
  const c = await colleague(t, { name })
  const first = await login(c.email, c.initialPassword)
  const active = await activate(first.accessToken, c.email, c.initialPassword, 'Member-password-1')
  return { ...c, token: active.body.accessToken as string }
}

describe('contacts, for every member', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('shows colleagues with only the fields the workbench lets members see, and its service numbers', async () => {
    const t = await openTenant(platformToken)
    const dept = (
      await call(directory, 'POST', '/v1/departments', { token: t.accessToken, body: { name: 'Sales' } })
    ).body.deptId as string
    const ann = await colleague(t, {
      name: 'Ann Lee',
      mobile: '+8613800000001',
      employeeNo: 'E-42',
      departmentIds: [dept],
    })
    const viewer = await signedIn(t, 'Vic Viewer')
    const cards = async (query: Record<string, string>, token = viewer.token) =>
      call(directory, 'GET', '/v1/contacts/members', { token, query })

    // by default: mobile masked, e-mail shown, employee number hidden
    const sales = await cards({ departmentId: dept })
    expect(sales.status).toBe(200)
    expect(sales.body.items).toEqual([
      {
        memberId: ann.memberId,
        name: 'Ann Lee',
        departmentIds: [dept],
        mobile: '+86•••••••0001',
        email: ann.email,
      },
    ])
    // a hidden or masked number cannot be confirmed by searching it
    expect((await cards({ q: '+8613800000001' })).body.items).toEqual([])
    expect((await cards({ q: ann.email })).body.items.map((c: { memberId: string }) => c.memberId)).toEqual([
      ann.memberId,
    ])

    const patch = (body: unknown) => call(tenants, 'PATCH', '/v1/tenant', { token: t.accessToken, body })
    expect(
      (
        await patch({
          contactFields: { mobile: 'shown', email: 'hidden', employeeNo: 'shown' },
          servicePhones: [{ name: 'IT desk', phone: '010-12345678' }],
        })
      ).status,
    ).toBe(200)
    expect((await cards({ departmentId: dept })).body.items).toEqual([
      {
        memberId: ann.memberId,
        name: 'Ann Lee',
        departmentIds: [dept],
        mobile: '+8613800000001',
        employeeNo: 'E-42',
      },
    ])
    expect((await cards({ q: ann.email })).body.items).toEqual([])
    expect((await cards({ q: '+8613800000001' })).body.items).toHaveLength(1)
    const home = await call(directory, 'GET', '/v1/contacts', { token: viewer.token })
    expect(home.body.servicePhones).toEqual([{ name: 'IT desk', phone: '010-12345678' }])
    expect(home.body.departments.map((d: { deptId: string }) => d.deptId)).toContain(dept)

    // bad input names the field; another workbench's member sees none of it
    const bad = await cards({ departmentId: 'x' })
    expect([bad.status, bad.body.error.details.map((d: { path: string }) => d.path)]).toEqual([
      400,
      ['query.departmentId'],
    ])
    expect((await patch({ contactFields: { mobile: 'blurred' } })).status).toBe(400)
    const other = await openTenant(platformToken)
    const stranger = await signedIn(other, 'Sam Stranger')
    expect((await cards({ departmentId: dept }, stranger.token)).body.items).toEqual([])
    expect((await cards({ q: 'Ann Lee' }, stranger.token)).body.items).toEqual([])
  })
})
