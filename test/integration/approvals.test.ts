import { handler as approvals } from '../../functions/approvals/handler.js'
import { handler as drive } from '../../functions/drive/handler.js'
import { handler as portal } from '../../functions/portal/handler.js'
import { handler as todos } from '../../functions/todos/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useTestS3 } from '../support/s3.js'

useTestTable()
useTestS3()

type Tenant = Awaited<ReturnType<typeof openTenant>>
type Member = { id: string; token: string }
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
    // an office (general) edition has no approvals app: neither a request nor a draft
    const [officeMember, officeApprover] = [await memberOf(office), await memberOf(office)]
    const officeTemplate = (
      await post(office.accessToken, '/v1/approvals/templates', {
        name: 'Office',
        fields: [{ key: 'what', label: 'What', type: 'text' }],
        steps: [{ approvers: { type: 'members', memberIds: [officeApprover.id] } }],
      })
    ).body.templateId
    for (const draft of [false, true]) {
      const gated = await post(officeMember.token, '/v1/approvals', {
        templateId: officeTemplate,
        form: { what: 'x' },
        draft,
      })
      expect([gated.status, gated.body.error.code]).toEqual([422, 'PLAN_LIMIT_EXCEEDED'])
    }
    expect(
      (await post(applicant.token, '/v1/approvals/templates', { name: 'x', fields: [], steps: [] })).status,
    ).toBe(403)
    expect((await call(approvals, 'GET', '/v1/approvals/all', { token: applicant.token })).status).toBe(403)
    expect(
      (await call(approvals, 'GET', '/v1/approvals/all', { token: a.accessToken })).body.items.length,
    ).toBeGreaterThan(2)
  })

  const notices = async (token: string) =>
    (await call(portal, 'GET', '/v1/me/notices', { token })).body.items as { kind: string; link?: string }[]

  it('keeps a draft to its applicant until it is submitted, then tells the applicant of each step and decision', async () => {
    const first = approvers[6] as Member
    const second = approvers[7] as Member
    const created = await post(a.accessToken, '/v1/approvals/templates', {
      name: 'Two steps',
      fields: [
        { key: 'what', label: 'What', type: 'text', required: true },
        { key: 'days', label: 'Days', type: 'number' },
      ],
      steps: [
        { approvers: { type: 'members', memberIds: [first.id] } },
        { approvers: { type: 'members', memberIds: [second.id] } },
      ],
    })
    const templateId = created.body.templateId
    const draft = await post(applicant.token, '/v1/approvals', { templateId, form: { days: 2 }, draft: true })
    expect([draft.status, draft.body.status, draft.body.steps]).toEqual([201, 'draft', []])
    const id = draft.body.requestId
    // a draft's filled fields are checked all the same
    const wrong = await call(approvals, 'PATCH', `/v1/approvals/${id}`, {
      token: applicant.token,
      body: { form: { days: 'two' } },
    })
    expect([wrong.status, wrong.body.error.details[0].path]).toEqual([400, 'body.form.days'])
    expect((await call(approvals, 'GET', `/v1/approvals/${id}`, { token: first.token })).status).toBe(404)
    expect((await call(approvals, 'GET', `/v1/approvals/${id}`, { token: a.accessToken })).status).toBe(404)
    const all = await call(approvals, 'GET', '/v1/approvals/all', { token: a.accessToken })
    expect(all.body.items.map((i: { requestId: string }) => i.requestId)).not.toContain(id)
    const incomplete = await post(applicant.token, `/v1/approvals/${id}/submit`)
    expect([incomplete.status, incomplete.body.error.details[0].path]).toEqual([400, 'body.form.what'])
    expect((await post(first.token, `/v1/approvals/${id}/submit`)).status).toBe(404)
    const edited = await call(approvals, 'PATCH', `/v1/approvals/${id}`, {
      token: applicant.token,
      body: { form: { what: 'Fair', days: 2 } },
    })
    expect(edited.body.form).toEqual({ what: 'Fair', days: 2 })
    const submitted = await post(applicant.token, `/v1/approvals/${id}/submit`)
    expect([submitted.status, submitted.body.status]).toEqual([200, 'pending'])
    expect((await call(approvals, 'DELETE', `/v1/approvals/${id}`, { token: applicant.token })).status).toBe(
      409,
    )
    const todo = (await call(todos, 'GET', '/v1/me/todos', { token: first.token, query: { state: 'open' } }))
      .body.items[0]
    expect(todo).toMatchObject({
      link: `/approvals/${id}`,
      title: 'Approval awaiting your decision: Two steps',
    })

    await post(first.token, `/v1/approvals/${id}/decision`, { decision: 'approved' })
    expect((await notices(applicant.token))[0]).toMatchObject({
      kind: 'approvals.step',
      link: `/approvals/${id}`,
    })
    await post(second.token, `/v1/approvals/${id}/decision`, { decision: 'rejected', comment: 'Not now' })
    expect((await notices(applicant.token))[0]).toMatchObject({ kind: 'approvals.rejected' })

    // a draft deleted is gone; withdrawing tells the approvers whose todo closed
    const other = (await post(applicant.token, '/v1/approvals', { templateId, form: {}, draft: true })).body
      .requestId
    expect((await call(approvals, 'DELETE', `/v1/approvals/${other}`, { token: first.token })).status).toBe(
      404,
    )
    expect(
      (await call(approvals, 'DELETE', `/v1/approvals/${other}`, { token: applicant.token })).status,
    ).toBe(204)
    expect((await call(approvals, 'GET', `/v1/approvals/${other}`, { token: applicant.token })).status).toBe(
      404,
    )
    const third = (await post(applicant.token, '/v1/approvals', { templateId, form: { what: 'Again' } })).body
      .requestId
    await post(applicant.token, `/v1/approvals/${third}/withdraw`)
    expect((await notices(first.token))[0]).toMatchObject({
      kind: 'approvals.withdrawn',
      link: `/approvals/${third}`,
    })
  })

  it("checks attachments against the applicant's drive and lets every participant download them", async () => {
    const upload = async (token: string, name: string) => {
      const started = await call(drive, 'POST', '/v1/drive/uploads', {
        token,
        body: { space: 'personal', name, size: 5, contentType: 'text/plain' },
      })
      const put = await fetch(started.body.url, {
        method: 'PUT',
        body: 'quote',
        headers: { 'content-type': 'text/plain' },
      })
      expect(put.status).toBe(200)
      const done = await call(drive, 'POST', `/v1/drive/uploads/${started.body.uploadId}/complete`, {
        token,
        body: {},
      })
      return done.body.id as string
    }
    const approver = approvers[8] as Member
    const stranger = approvers[9] as Member
    const mine = await upload(applicant.token, 'quote.txt')
    const theirs = await upload(stranger.token, 'private.txt')
    const templateId = await template('any', [approver.id])
    const refused = await post(applicant.token, '/v1/approvals', {
      templateId,
      form: { ...form, files: [theirs] },
    })
    expect([refused.status, refused.body.error.details[0].path]).toEqual([400, 'body.form.files'])
    const sub = await post(applicant.token, '/v1/approvals', { templateId, form: { ...form, files: [mine] } })
    expect(sub.body.attachments).toEqual([mine])
    const id = sub.body.requestId
    // the approver may not read the applicant's personal file in the drive, but through the request
    expect(
      (await call(drive, 'GET', `/v1/drive/items/${mine}/download`, { token: approver.token })).status,
    ).toBe(404)
    const got = await call(approvals, 'GET', `/v1/approvals/${id}/attachments/${mine}`, {
      token: approver.token,
    })
    expect(got.status).toBe(200)
    expect(await (await fetch(got.body.url)).text()).toBe('quote')
    expect(
      (await call(approvals, 'GET', `/v1/approvals/${id}/attachments/${mine}`, { token: stranger.token }))
        .status,
    ).toBe(404)
    expect(
      (await call(approvals, 'GET', `/v1/approvals/${id}/attachments/${theirs}`, { token: approver.token }))
        .status,
    ).toBe(404)

    // comments: participants only, attachments checked against the commenter's drive, the others told
    const reply = await upload(approver.token, 'reply.txt')
    expect((await post(stranger.token, `/v1/approvals/${id}/comments`, { text: 'Me too' })).status).toBe(404)
    const badFile = await post(approver.token, `/v1/approvals/${id}/comments`, {
      text: 'See',
      attachments: [mine],
    })
    expect([badFile.status, badFile.body.error.details[0].path]).toEqual([400, 'body.attachments'])
    const commented = await post(approver.token, `/v1/approvals/${id}/comments`, {
      text: 'See the reply',
      attachments: [reply],
    })
    expect(commented.status).toBe(201)
    expect(commented.body.comments).toMatchObject([
      { authorId: approver.id, text: 'See the reply', attachments: [reply] },
    ])
    expect((await notices(applicant.token))[0]).toMatchObject({ kind: 'approvals.comment' })
    const read = await call(approvals, 'GET', `/v1/approvals/${id}/attachments/${reply}`, {
      token: applicant.token,
    })
    expect(read.status).toBe(200)
    // a comment and a decision at once: both land
    const [c, d] = await Promise.all([
      post(applicant.token, `/v1/approvals/${id}/comments`, { text: 'Thanks' }),
      post(approver.token, `/v1/approvals/${id}/decision`, { decision: 'approved' }),
    ])
    expect([c.status, d.status]).toEqual([201, 200])
    const after = await call(approvals, 'GET', `/v1/approvals/${id}`, { token: applicant.token })
    expect([after.body.status, after.body.comments.length]).toEqual(['approved', 2])
  })
})
