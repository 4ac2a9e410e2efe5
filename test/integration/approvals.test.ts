import { handler as approvals } from '../../functions/approvals/handler.js'
import { handler as todos } from '../../functions/todos/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

type Tenant = Awaited<ReturnType<typeof openTenant>>
const memberOf = async (t: Tenant) => {
  const m = await addPlainMember(t.tenant)
  const { accessToken } = await login(m.identifier, m.password, { tenantCode: t.tenant.code })
  return { id: m.accountId, token: accessToken as string }
}
const post = (token: string, path: string, body?: unknown) => call(approvals, 'POST', path, { token, body })

describe('approvals', () => {
  let a: Tenant
  let office: Tenant
  let applicant: { id: string; token: string }
  let approvers: { id: string; token: string }[]

  beforeAll(async () => {
    const { platformToken } = await platformFixture()
    a = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.professional-basic' })
    office = await openTenant(platformToken)
    applicant = await memberOf(a)
    approvers = await Promise.all(Array.from({ length: 15 }, () => memberOf(a)))
  })

  const template = async (mode: 'any' | 'all', ids: string[]) => {
    const res = await post(a.accessToken, '/v1/approvals/templates', {
      name: `Purchase (${mode})`,
      fields: [
        { key: 'amount', label: 'Amount', type: 'money', required: true },
        { key: 'files', label: 'Quotes', type: 'attachment' },
      ],
      steps: [{ approvers: { type: 'members', memberIds: ids }, mode }],
    })
    expect(res.status).toBe(201)
    return res.body.templateId as string
  }
  const form = { amount: { amount: '120.50', currency: 'EUR' } }

  it("makes exactly one decision of 20 concurrent ones on an `any` step, and closes every approver's todo", async () => {
    const templateId = await template(
      'any',
      approvers.map((m) => m.id),
    )
    const sub = await post(applicant.token, '/v1/approvals', { templateId, form })
    expect(sub.status).toBe(201)
    const id = sub.body.requestId
    const waiting = await call(approvals, 'GET', '/v1/approvals/awaiting', { token: approvers[0]?.token })
    expect(waiting.body.items.map((i: { requestId: string }) => i.requestId)).toContain(id)
    const open = await call(todos, 'GET', '/v1/me/todos', {
      token: approvers[3]?.token,
      query: { state: 'open' },
    })
    expect(open.body.openCount).toBe(1)
    const who = Array.from({ length: 20 }, (_, i) => approvers[i % 15] as { token: string })
    const results = await Promise.all(
      who.map((m, i) =>
        post(m.token, `/v1/approvals/${id}/decision`, { decision: i % 2 ? 'rejected' : 'approved' }),
      ),
    )
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(results.filter((r) => r.status === 409)).toHaveLength(19)
    const after = await call(approvals, 'GET', `/v1/approvals/${id}`, { token: applicant.token })
    expect(after.body.steps[0].decisions).toHaveLength(1)
    expect(['approved', 'rejected']).toContain(after.body.status)
    for (const m of approvers.slice(0, 3)) {
      expect((await call(todos, 'GET', '/v1/me/todos', { token: m.token })).body.openCount).toBe(0)
      expect((await call(approvals, 'GET', '/v1/approvals/awaiting', { token: m.token })).body.items).toEqual(
        [],
      )
    }
  })

  it('counts an `all` step exactly when its approvers decide at once', async () => {
    const five = approvers.slice(0, 5)
    const templateId = await template(
      'all',
      five.map((m) => m.id),
    )
    const id = (await post(applicant.token, '/v1/approvals', { templateId, form })).body.requestId
    const results = await Promise.all(
      five.map((m) => post(m.token, `/v1/approvals/${id}/decision`, { decision: 'approved' })),
    )
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    const after = await call(approvals, 'GET', `/v1/approvals/${id}`, { token: applicant.token })
    expect(after.body).toMatchObject({ status: 'approved' })
    expect(after.body.steps[0].decisions).toHaveLength(5)
  })

  it('lets the applicant withdraw, and refuses what is not theirs to do', async () => {
    const templateId = await template('any', [approvers[0]?.id as string])
    const id = (await post(applicant.token, '/v1/approvals', { templateId, form })).body.requestId
    expect(
      (await post(approvers[5]?.token as string, `/v1/approvals/${id}/decision`, { decision: 'approved' }))
        .status,
    ).toBe(404)
    expect((await post(approvers[0]?.token as string, `/v1/approvals/${id}/withdraw`)).status).toBe(403)
    expect((await post(applicant.token, `/v1/approvals/${id}/withdraw`)).body.status).toBe('withdrawn')
    expect(
      (await post(approvers[0]?.token as string, `/v1/approvals/${id}/decision`, { decision: 'approved' }))
        .status,
    ).toBe(409)
    const mine = await call(approvals, 'GET', '/v1/approvals/mine', { token: applicant.token })
    expect(mine.body.items[0]).toMatchObject({ requestId: id, status: 'withdrawn' })
    // another tenant's request is not found
    expect((await call(approvals, 'GET', `/v1/approvals/${id}`, { token: office.accessToken })).status).toBe(
      404,
    )
  })

  it('checks the form, the edition and the permission', async () => {
    const templateId = await template('any', [approvers[0]?.id as string])
    const bad = await post(applicant.token, '/v1/approvals', {
      templateId,
      form: { amount: 12, files: ['x'], other: 1 },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body.form.amount',
      'body.form.files',
      'body.form.other',
    ])
    // leave goes to the department head: none here
    const leave = await post(applicant.token, '/v1/approvals', {
      templateId: 'leave',
      form: { kind: 'annual', period: { from: '2031-01-02', to: '2031-01-05' } },
    })
    expect([leave.status, leave.body.error.code]).toEqual([409, 'INVALID_STATE'])
    const officeMember = await memberOf(office)
    const gated = await post(officeMember.token, '/v1/approvals', { templateId: 'reimbursement', form: {} })
    expect(gated.status).toBe(400)
    expect(
      (await post(applicant.token, '/v1/approvals/templates', { name: 'x', fields: [], steps: [] })).status,
    ).toBe(403)
    expect((await call(approvals, 'GET', '/v1/approvals/all', { token: applicant.token })).status).toBe(403)
    expect(
      (await call(approvals, 'GET', '/v1/approvals/all', { token: a.accessToken })).body.items.length,
    ).toBeGreaterThan(2)
  })
})
