import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as todos } from '../../functions/todos/handler.js'
import { config } from '../../lib/core/config.js'
import { dynamoRequestCount, getDocumentClient } from '../../lib/core/db/client.js'
import { trustedTenantId } from '../../lib/core/tenancy.js'
import { accountName } from '../../lib/identity/account-names.js'
import { homeTodos } from '../../lib/todos/todos.js'
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

const mine = (token: string, query: Record<string, string> = {}) =>
  call(todos, 'GET', '/v1/me/todos', { token, query })
const create = (token: string, body: unknown) => call(todos, 'POST', '/v1/me/todos', { token, body })
const patch = (token: string, id: string, body: unknown) =>
  call(todos, 'PATCH', `/v1/me/todos/${id}`, { token, body })

const setAppStatus = (tenantId: string, appCode: string, status: string) =>
  getDocumentClient().send(
    new UpdateCommand({
      TableName: config().ATRIUM_TABLE_NAME,
      Key: { PK: `T#${tenantId}`, SK: `APP#${appCode}` },
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status },
    }),
  )

describe('todos and the todo centre', () => {
  let a: Tenant
  let b: Tenant
  let ann: { id: string; token: string }
  let bob: { id: string; token: string }
  let eve: { id: string; token: string }
  let outsider: { id: string; token: string }

  beforeAll(async () => {
    const { platformToken } = await platformFixture()
    a = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.professional-basic' })
    b = await openTenant(platformToken)
    ;[ann, bob, eve, outsider] = await Promise.all([memberOf(a), memberOf(a), memberOf(a), memberOf(b)])
  })

  it('keeps personal todos, open first by due date (undated last), then done ones, with the open count', async () => {
    const titles = ['later', 'undated', 'soon', 'sooner at nine']
    const dues = ['2031-03-01', undefined, '2031-01-15', '2031-01-15T09:00:00Z']
    const made = []
    for (const [i, title] of titles.entries()) {
      const res = await create(ann.token, { title, due: dues[i] })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ title, done: false, ownerId: ann.id, source: 'member' })
      made.push(res.body.todoId as string)
    }
    const done = await patch(ann.token, made[0] as string, { done: true })
    expect(done.body).toMatchObject({ done: true, doneAt: expect.any(String) })
    const list = await mine(ann.token)
    expect(list.body.items.map((t: { title: string }) => t.title)).toEqual([
      'soon',
      'sooner at nine',
      'undated',
      'later',
    ])
    expect(list.body.openCount).toBe(3)
    const open = await mine(ann.token, { state: 'open', limit: '2' })
    expect(open.body.items).toHaveLength(2)
    const rest = await mine(ann.token, { state: 'open', limit: '2', cursor: open.body.nextCursor })
    expect(rest.body.items.map((t: { title: string }) => t.title)).toEqual(['undated'])
    // open again, change, clear, delete
    expect((await patch(ann.token, made[0] as string, { done: false })).body.done).toBe(false)
    const edited = await patch(ann.token, made[1] as string, {
      title: 'dated now',
      due: '2030-12-31',
      notes: 'n',
    })
    expect(edited.body).toMatchObject({ title: 'dated now', due: '2030-12-31', notes: 'n' })
    expect((await patch(ann.token, made[1] as string, { notes: null })).body.notes).toBeUndefined()
    expect((await mine(ann.token, { state: 'open' })).body.items[0].title).toBe('dated now')
    expect((await call(todos, 'DELETE', `/v1/me/todos/${made[2]}`, { token: ann.token })).status).toBe(204)
    expect((await mine(ann.token)).body.openCount).toBe(3)
  })

  it('refuses bad input with 400 naming the fields', async () => {
    const res = await create(ann.token, { title: '', due: 'tomorrow', extra: 1 })
    expect(res.status).toBe(400)
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      expect.arrayContaining(['body', 'body.due', 'body.title']),
    )
    const id = (await create(ann.token, { title: 'x' })).body.todoId
    expect((await patch(ann.token, id, {})).status).toBe(400)
    expect((await patch(ann.token, id, { done: 'yes' })).body.error.details[0].path).toBe('body.done')
    expect((await mine(ann.token, { state: 'some' })).body.error.details[0].path).toBe('query.state')
    expect((await mine(ann.token, { cursor: 'bogus' })).status).toBe(400)
  })

  it('lets a member assign a todo to an active colleague, who owns it; the assigner follows its state', async () => {
    const res = await create(ann.token, { title: 'review the report', assigneeId: bob.id, due: '2031-02-01' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ ownerId: bob.id, assignedBy: ann.id })
    const id = res.body.todoId as string
    expect((await mine(bob.token)).body.items.map((t: { todoId: string }) => t.todoId)).toContain(id)
    // the assigner edits the text, only the owner ticks it off
    expect((await patch(ann.token, id, { title: 'review the Q1 report' })).status).toBe(200)
    expect((await patch(ann.token, id, { done: true })).status).toBe(403)
    expect((await patch(bob.token, id, { done: true })).body.done).toBe(true)
    const assigned = await call(todos, 'GET', '/v1/me/todos/assigned', { token: ann.token })
    expect(assigned.body.items[0]).toMatchObject({ todoId: id, title: 'review the Q1 report', done: true })
    // a third member sees nothing of it
    expect((await call(todos, 'GET', `/v1/me/todos/${id}`, { token: eve.token })).status).toBe(404)
    expect((await patch(eve.token, id, { title: 'mine now' })).status).toBe(404)
    expect((await call(todos, 'DELETE', `/v1/me/todos/${id}`, { token: eve.token })).status).toBe(404)
    // only to active members of the same tenant
    for (const assigneeId of [outsider.id, 'a1aaaaaaaaaaaaaaaaaaaaaaaa']) {
      const refused = await create(ann.token, { title: 'nope', assigneeId })
      expect([refused.status, refused.body.error.details[0].path]).toEqual([400, 'body.assigneeId'])
    }
    // and another tenant's todo is not found
    const theirs = (await create(outsider.token, { title: 'b' })).body.todoId
    expect((await call(todos, 'GET', `/v1/me/todos/${theirs}`, { token: ann.token })).status).toBe(404)
  })

  it('counts exactly under 20 concurrent creations and 20 concurrent ticks of one todo', async () => {
    const m = await memberOf(a)
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => create(m.token, { title: `t${i}` })))
    expect(made.every((r) => r.status === 201)).toBe(true)
    expect((await mine(m.token)).body.openCount).toBe(20)
    const id = made[0]?.body.todoId as string
    const ticks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => patch(m.token, id, { done: i % 2 === 0 })),
    )
    expect(ticks.every((r) => r.status === 200)).toBe(true)
    const after = await mine(m.token, { limit: '100' })
    const isDone = after.body.items.find((t: { todoId: string }) => t.todoId === id).done
    expect(after.body.openCount).toBe(isDone ? 19 : 20)
  })

  it("answers the home page's todos (first open ones and the count) in 2 requests", async () => {
    const before = dynamoRequestCount()
    const home = await homeTodos({ tenantId: trustedTenantId(a.tenant.tenantId) }, ann.id, 2)
    expect(dynamoRequestCount() - before).toBe(2)
    expect(home.count).toBe(4)
    expect(home.items.map((t) => t.title)).toEqual(['dated now', 'sooner at nine'])
  })

  it('refuses new todos while the edition has no todos app', async () => {
    await setAppStatus(b.tenant.tenantId, 'todos', 'expired')
    const res = await create(outsider.token, { title: 'x' })
    expect([res.status, res.body.error.code]).toEqual([422, 'PLAN_LIMIT_EXCEEDED'])
    await setAppStatus(b.tenant.tenantId, 'todos', 'active')
  })

  describe('todos apps push', () => {
    let app: { appId: string; clientId: string; clientSecret: string }
    let other: { appId: string; clientId: string; clientSecret: string }
    const basic = (c: { clientId: string; clientSecret: string }) =>
      `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`
    const creds = (c: { clientId: string; clientSecret: string }) => ({
      clientId: c.clientId,
      clientSecret: c.clientSecret,
    })
    const push = (c: { clientId: string; clientSecret: string }, body: Record<string, unknown>) =>
      call(todos, 'POST', '/v1/apps/todos', { body: { ...creds(c), ...body } })
    const userOf = (memberId: string) => accountName(a.tenant.tenantId, memberId)
    const todo = (externalId: string, memberId = ann.id) => ({
      externalId,
      userId: userOf(memberId),
      title: `Approve order ${externalId}`,
      due: '2031-01-01',
      link: `https://erp.example.com/orders/${externalId}`,
    })

    beforeAll(async () => {
      const register = async (name: string, homeUrl: string) => {
        const res = await call(apps, 'POST', '/v1/apps', {
          token: a.accessToken,
          body: { name, clientTypes: ['web'], protocol: 'code', homeUrl, iconUrl: `${homeUrl}icon.png` },
        })
        expect(res.status).toBe(201)
        await call(apps, 'POST', `/v1/apps/${res.body.appId}/grants`, {
          token: a.accessToken,
          body: { members: [ann.id] },
        })
        return { appId: res.body.appId, clientId: res.body.clientId, clientSecret: res.body.clientSecret }
      }
      app = await register('ERP', 'https://erp.example.com/')
      other = await register('CRM', 'https://crm.example.com/')
    })

    it("puts a todo in an entitled member's centre, with the app, its icon and the link back; a retry is the same todo", async () => {
      const first = await push(app, todo('po-1'))
      expect(first.status).toBe(201)
      expect(first.body).toMatchObject({ externalId: 'po-1', userId: userOf(ann.id), done: false })
      const again = await call(todos, 'POST', '/v1/apps/todos', {
        headers: { authorization: basic(app) },
        body: todo('po-1'),
      })
      expect(again.body.createdAt).toBe(first.body.createdAt)
      const seen = (await mine(ann.token, { state: 'open' })).body.items.filter(
        (t: { source: string }) => t.source === 'app',
      )
      expect(seen).toEqual([
        expect.objectContaining({
          title: 'Approve order po-1',
          app: { appId: app.appId, name: 'ERP', iconUrl: 'https://erp.example.com/icon.png' },
          link: 'https://erp.example.com/orders/po-1',
        }),
      ])
      // the member follows it; the app changes and closes it
      const id = seen[0].todoId
      expect((await patch(ann.token, id, { done: true })).body.error.code).toBe('INVALID_STATE')
      expect((await call(todos, 'DELETE', `/v1/me/todos/${id}`, { token: ann.token })).status).toBe(409)
      const before = (await mine(ann.token)).body.openCount
      const changed = await call(todos, 'PATCH', '/v1/apps/todos/po-1', {
        body: { ...creds(app), title: 'Approve order po-1 (urgent)', due: null },
      })
      expect(changed.body).toMatchObject({ title: 'Approve order po-1 (urgent)', done: false })
      expect(changed.body.due).toBeUndefined()
      const closed = await call(todos, 'DELETE', '/v1/apps/todos/po-1', {
        headers: { authorization: basic(app) },
      })
      expect(closed.body).toMatchObject({ done: true })
      expect((await call(todos, 'DELETE', '/v1/apps/todos/po-1', { body: creds(app) })).status).toBe(200)
      expect((await mine(ann.token)).body.openCount).toBe(before - 1)
    })

    it("refuses what is not the app's to do", async () => {
      // a link outside the app's registered addresses (no open redirect through the workbench)
      const away = await push(app, { ...todo('po-2'), link: 'https://evil.example.net/x' })
      expect([away.status, away.body.error.details[0].path]).toEqual([400, 'body.link'])
      // a member not entitled to the app; an unknown account name
      expect((await push(app, todo('po-3', bob.id))).body.error.code).toBe('NOT_ENTITLED')
      expect((await push(app, { ...todo('po-4'), userId: 'a'.repeat(26) })).status).toBe(404)
      // a wrong secret, an unknown client, no credentials
      expect((await push({ ...app, clientSecret: 'wrong' }, todo('po-5'))).status).toBe(401)
      expect((await push({ clientId: 'cli_nobody', clientSecret: 'x' }, todo('po-5'))).status).toBe(401)
      const none = await call(todos, 'POST', '/v1/apps/todos', { body: todo('po-5') })
      expect(none.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        'body.clientId',
        'body.clientSecret',
      ])
      // bad input names the fields
      const bad = await push(app, { externalId: 'has space', userId: 'x', title: '', link: 'javascript:1' })
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
        'body.externalId',
        'body.link',
        'body.title',
        'body.userId',
      ])
      // another app's todo is not found; the same id for another member conflicts
      expect((await push(app, todo('shared'))).status).toBe(201)
      expect((await call(todos, 'DELETE', '/v1/apps/todos/shared', { body: creds(other) })).status).toBe(404)
      expect(
        (await call(todos, 'PATCH', '/v1/apps/todos/shared', { body: { ...creds(other), title: 'x' } }))
          .status,
      ).toBe(404)
      await call(apps, 'POST', `/v1/apps/${app.appId}/grants`, {
        token: a.accessToken,
        body: { members: [eve.id] },
      })
      expect((await push(app, todo('shared', eve.id))).status).toBe(409)
      // a switched-off app pushes, changes and closes nothing
      await call(apps, 'PATCH', `/v1/apps/${app.appId}`, { token: a.accessToken, body: { enabled: false } })
      expect((await push(app, todo('po-6'))).body.error.code).toBe('APP_DISABLED')
      expect(
        (await call(todos, 'DELETE', '/v1/apps/todos/shared', { body: creds(app) })).body.error.code,
      ).toBe('APP_DISABLED')
      await call(apps, 'PATCH', `/v1/apps/${app.appId}`, { token: a.accessToken, body: { enabled: true } })
    })

    it('makes one todo of 20 concurrent pushes of the same id', async () => {
      const before = (await mine(ann.token)).body.openCount
      const pushes = await Promise.all(
        Array.from({ length: 20 }, () =>
          push(other, { ...todo('once'), link: 'https://crm.example.com/once' }),
        ),
      )
      expect(pushes.map((r) => r.status)).toEqual(Array(20).fill(201))
      expect(new Set(pushes.map((r) => r.body.createdAt)).size).toBe(1)
      expect((await mine(ann.token)).body.openCount).toBe(before + 1)
    })
  })
})
