import { handler as apps } from '../../functions/apps/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { advanceClock, resetClock } from '../../lib/core/clock.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

type Tenant = Awaited<ReturnType<typeof openTenant>>

const lightApp = {
  name: 'Field reports',
  clientTypes: ['h5', 'mini-program'],
  protocol: 'code',
  homeUrl: 'https://reports.example.com/',
  requestedFields: ['mobile', 'email', 'employeeNo', 'departments'],
  attributes: [
    { key: 'ledger', name: 'Ledger', options: ['L1', 'L2', 'L3'] },
    { key: 'region', name: 'Region' },
  ],
}

const register = async (t: Tenant, body: Record<string, unknown> = lightApp) => {
  const res = await call(apps, 'POST', '/v1/apps', { token: t.accessToken, body })
  if (res.status !== 201) throw new Error(JSON.stringify(res.body))
  return res.body as { appId: string; clientId: string; clientSecret: string }
}

let n = 0
/** A member added through the directory (mobile, e-mail, employee number), signed in. */
const member = async (t: Tenant, departmentIds: string[] = []) => {
  const email = `p${++n}-${Date.now()}@corp.test`
  const mobile = `+86139${String(Date.now() + n).slice(-8)}`
  const added = await call(directory, 'POST', '/v1/members', {
    token: t.accessToken,
    body: { name: `Person ${n}`, email, mobile, employeeNo: `E-${n}`, departmentIds },
  })
  if (added.status !== 201) throw new Error(JSON.stringify(added.body))
  const first = await login(mobile, added.body.initialPassword)
  const active = await activate(first.accessToken, mobile, added.body.initialPassword, 'Member-password-1')
  return {
    memberId: added.body.member.memberId as string,
    accountName: added.body.member.accountName as string,
    email,
    mobile,
    token: active.body.accessToken as string,
  }
}

const grant = (t: Tenant, appId: string, memberIds: string[]) =>
  call(apps, 'POST', `/v1/apps/${appId}/grants`, { token: t.accessToken, body: { members: memberIds } })

const issue = (token: string, appId: string) => call(apps, 'POST', `/v1/me/apps/${appId}/code`, { token })

const exchange = ({ clientId, clientSecret }: { clientId: string; clientSecret: string }, code: string) =>
  call(apps, 'POST', '/v1/apps/code/exchange', { body: { clientId, clientSecret, code } })

const basic = (clientId: string, clientSecret: string) =>
  `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`

const paths = (res: { body: { error?: { details?: { path: string }[] } } }) =>
  (res.body.error?.details ?? []).map((d) => d.path)

describe('what apps learn about members', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })
  afterEach(() => resetClock())

  /** A tenant with a light app granted to a member of its Finance department. */
  const setting = async () => {
    const t = await openTenant(platformToken)
    const app = await register(t)
    const finance = (
      await call(directory, 'POST', '/v1/departments', { token: t.accessToken, body: { name: 'Finance' } })
    ).body.deptId as string
    const m = await member(t, [finance])
    expect((await grant(t, app.appId, [m.memberId])).status).toBe(200)
    return { t, app, finance, m }
  }

  it('lets the tenant approve a subset of the fields an app asks for, audited, none by default', async () => {
    const { t, app } = await setting()
    const path = `/v1/apps/${app.appId}/user-data`
    const read = await call(apps, 'GET', path, { token: t.accessToken })
    expect(read.body).toEqual({ appId: app.appId, requestedFields: lightApp.requestedFields, fields: [] })
    const unasked = await call(apps, 'PUT', path, {
      token: t.accessToken,
      body: { fields: ['email', 'position'] },
    })
    expect([unasked.status, paths(unasked)]).toEqual([400, ['body.fields.1']])
    const unknown = await call(apps, 'PUT', path, { token: t.accessToken, body: { fields: ['salary'] } })
    expect([unknown.status, paths(unknown)]).toEqual([400, ['body.fields.0']])
    const malformed = await call(apps, 'PUT', path, { token: t.accessToken, body: { fields: 'email' } })
    expect([malformed.status, paths(malformed)]).toEqual([400, ['body.fields']])
    const set = await call(apps, 'PUT', path, { token: t.accessToken, body: { fields: ['mobile', 'email'] } })
    expect(set.body.fields).toEqual(['mobile', 'email'])
    await call(apps, 'PUT', path, { token: t.accessToken, body: { fields: ['email'] } })
    expect((await call(apps, 'GET', path, { token: t.accessToken })).body.fields).toEqual(['email'])
    const audit = await call(directory, 'GET', '/v1/tenant/audit', { token: t.accessToken })
    const entries = audit.body.items.filter((e: { action: string }) => e.action === 'app.user-data-approved')
    expect(entries.map((e: { detail: string }) => e.detail)).toEqual([
      'mobile,email -> email',
      'none -> mobile,email',
    ])
    expect(entries[0]).toMatchObject({
      targetId: app.appId,
      actorId: expect.any(String),
      at: expect.any(String),
    })
  })

  it("sets a member's attribute values against the app's definitions, naming what it refuses", async () => {
    const { t, app, m } = await setting()
    const path = `/v1/apps/${app.appId}/attributes/${m.memberId}`
    const put = (values: unknown, token = t.accessToken) =>
      call(apps, 'PUT', path, { token, body: { values } })
    const refused = await put({ ledger: 'L9', nope: 'x', region: 'North' })
    expect([refused.status, paths(refused).sort()]).toEqual([400, ['body.values.ledger', 'body.values.nope']])
    const malformed = await put({ ledger: 7, '1bad': 'x' })
    expect(malformed.status).toBe(400)
    expect(paths(malformed)).toEqual(expect.arrayContaining(['body.values.ledger']))
    expect((await put([])).status).toBe(400)
    const ok = await put({ ledger: ['L1', 'L3'], region: 'North' })
    expect(ok.body).toEqual({
      appId: app.appId,
      memberId: m.memberId,
      values: { ledger: ['L1', 'L3'], region: 'North' },
    })
    expect((await call(apps, 'GET', path, { token: t.accessToken })).body.values).toEqual(ok.body.values)
    expect(
      (
        await call(apps, 'GET', `/v1/apps/${app.appId}/attributes/01zzzzzzzzzzzzzzzzzzzzzzzz`, {
          token: t.accessToken,
        })
      ).status,
    ).toBe(404)
    // an ordinary member may not; a business admin may not act on someone holding more
    expect((await put({ region: 'South' }, m.token)).status).toBe(403)
    const role = await call(directory, 'POST', '/v1/roles', {
      token: t.accessToken,
      body: { name: 'App admin', permissions: ['apps.write'] },
    })
    const appAdmin = await member(t)
    await call(directory, 'PUT', `/v1/members/${appAdmin.memberId}/roles`, {
      token: t.accessToken,
      body: { roleIds: [role.body.roleId] },
    })
    const appAdminToken = (await login(appAdmin.mobile, 'Member-password-1')).accessToken
    expect((await put({ region: 'South' }, appAdminToken)).status).toBe(200)
    const admins = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { q: t.identifier },
    })
    const adminPath = `/v1/apps/${app.appId}/attributes/${admins.body.items[0].memberId}`
    const onAdmin = await call(apps, 'PUT', adminPath, {
      token: appAdminToken,
      body: { values: { region: 'X' } },
    })
    expect([onAdmin.status, onAdmin.body.error.code]).toEqual([403, 'FORBIDDEN'])
    const audit = await call(directory, 'GET', '/v1/tenant/audit', { token: t.accessToken })
    expect(
      audit.body.items.filter((e: { action: string }) => e.action === 'app.attributes-set'),
    ).toHaveLength(2)
  })

  it('signs a member in to a light app with a one-time code: their identity, approved fields only', async () => {
    const { t, app, finance, m } = await setting()
    await call(apps, 'PUT', `/v1/apps/${app.appId}/attributes/${m.memberId}`, {
      token: t.accessToken,
      body: { values: { ledger: 'L2' } },
    })
    const issued = await issue(m.token, app.appId)
    expect(issued.status).toBe(201)
    expect(issued.body).toEqual({ code: expect.any(String), expiresIn: 60 })
    const who = await exchange(app, issued.body.code)
    expect(who.status).toBe(200)
    const shown = await call(directory, 'GET', `/v1/members/${m.memberId}`, { token: t.accessToken })
    expect(shown.body.accountName).toBe(m.accountName)
    expect(who.body).toEqual({
      id: m.accountName,
      userId: m.accountName,
      sub: m.accountName,
      userName: m.accountName,
      accName: m.accountName,
      loginName: m.accountName,
      preferred_username: m.accountName,
      name: expect.stringMatching(/^Person /),
      role: 'user',
      organizationCode: finance,
      organizationName: 'Finance',
      tenant: t.tenant.tenantId,
      projectName: t.tenant.name,
      ledger: 'L2',
    })
    // nothing approved: no contact data; approved now: exactly those
    expect(JSON.stringify(who.body)).not.toContain(m.email)
    await call(apps, 'PUT', `/v1/apps/${app.appId}/user-data`, {
      token: t.accessToken,
      body: { fields: ['email', 'departments'] },
    })
    await call(directory, 'PATCH', `/v1/departments/${finance}`, {
      token: t.accessToken,
      body: { name: 'Money' },
    })
    const again = await exchange(app, (await issue(m.token, app.appId)).body.code)
    expect(again.body).toMatchObject({
      email: m.email,
      organizationName: 'Money',
      departments: [{ code: finance, name: 'Money' }],
    })
    for (const key of ['mobile', 'phone_number', 'employeeCode']) expect(again.body).not.toHaveProperty(key)
    expect(JSON.stringify(again.body)).not.toContain(m.mobile)
    // HTTP Basic works as well as the body
    const viaBasic = await call(apps, 'POST', '/v1/apps/code/exchange', {
      headers: { authorization: basic(app.clientId, app.clientSecret) },
      body: { code: (await issue(m.token, app.appId)).body.code },
    })
    expect(viaBasic.body.sub).toBe(m.accountName)
  })

  it('consumes a code at the first attempt, even a failing one; a replay, a wrong client or an expired code gets nothing', async () => {
    const { t, app, m } = await setting()
    const other = await register(t, { ...lightApp, name: 'Other app' })
    const first = (await issue(m.token, app.appId)).body.code
    expect((await exchange(app, first)).status).toBe(200)
    const replay = await exchange(app, first)
    expect([replay.status, replay.body.error.code]).toEqual([400, 'INVALID_CODE'])

    const wrongSecret = (await issue(m.token, app.appId)).body.code
    const bad = await exchange({ clientId: app.clientId, clientSecret: 'sec_guess' }, wrongSecret)
    expect([bad.status, bad.body.error.code]).toEqual([401, 'INVALID_CLIENT'])
    expect((await exchange(app, wrongSecret)).status).toBe(400)

    const forA = (await issue(m.token, app.appId)).body.code
    const byB = await exchange(other, forA)
    expect([byB.status, byB.body.error.code]).toEqual([401, 'INVALID_CLIENT'])
    expect((await exchange(app, forA)).status).toBe(400)

    const late = (await issue(m.token, app.appId)).body.code
    advanceClock(61_000)
    const expired = await exchange(app, late)
    expect([expired.status, expired.body.error.code]).toEqual([400, 'INVALID_CODE'])
  })

  it('checks the member again at the exchange: one disabled meanwhile is refused', async () => {
    const { t, app, m } = await setting()
    const code = (await issue(m.token, app.appId)).body.code
    expect(
      (await call(directory, 'POST', `/v1/members/${m.memberId}/disable`, { token: t.accessToken })).status,
    ).toBe(200)
    const refused = await exchange(app, code)
    expect([refused.status, refused.body.error.code]).toEqual([403, 'ACCOUNT_DISABLED'])
    expect(JSON.stringify(refused.body)).not.toContain(m.accountName)
  })

  it('refuses a code, saying why, to a member who may not open the app', async () => {
    const { t, app, m } = await setting()
    const stranger = await member(t)
    const notGranted = await issue(stranger.token, app.appId)
    expect([notGranted.status, notGranted.body.error]).toEqual([
      403,
      expect.objectContaining({ code: 'NOT_ENTITLED', details: { reason: 'not_entitled' } }),
    ])
    expect((await issue(m.token, 'no-such-app')).status).toBe(404)
    expect((await issue(m.token, 'Bad_Id')).status).toBe(400)
    const oidc = await register(t, {
      ...lightApp,
      name: 'Portal',
      protocol: 'oidc',
      redirectUris: ['https://portal.example.com/cb'],
    })
    await grant(t, oidc.appId, [m.memberId])
    expect((await issue(m.token, oidc.appId)).body.error.code).toBe('INVALID_STATE')
    await call(apps, 'PATCH', `/v1/apps/${app.appId}`, { token: t.accessToken, body: { enabled: false } })
    const off = await issue(m.token, app.appId)
    expect([off.status, off.body.error.code]).toEqual([409, 'APP_DISABLED'])
  })

  it('refuses malformed exchanges with the failing fields, never a 500', async () => {
    const { app: registered } = await setting()
    const app = { clientId: registered.clientId, clientSecret: registered.clientSecret }
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      call(apps, 'POST', '/v1/apps/code/exchange', { body, headers })
    const cases: [unknown, Record<string, string>, string[]][] = [
      [{}, {}, ['body.code']],
      [{ code: 'x'.repeat(43) }, {}, ['body.clientId', 'body.clientSecret']],
      [{ code: 'x'.repeat(43), clientId: app.clientId }, {}, ['body.clientSecret']],
      [
        { code: 'x'.repeat(43), ...app },
        { authorization: basic(app.clientId, app.clientSecret) },
        ['body.clientId'],
      ],
      [{ code: 'x'.repeat(43) }, { authorization: 'Basic bm9jb2xvbg==' }, ['header.authorization']],
      [
        { code: 'x'.repeat(43), extra: 1, clientId: app.clientId, clientSecret: app.clientSecret },
        {},
        ['body'],
      ],
    ]
    for (const [body, headers, failing] of cases) {
      const res = await post(body, headers)
      expect([JSON.stringify(body), res.status, paths(res)]).toEqual([JSON.stringify(body), 400, failing])
    }
    const unknown = await post({ code: 'x'.repeat(43), ...app })
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'INVALID_CODE'])
    const notJson = await call(apps, 'POST', '/v1/apps/code/exchange', { rawBody: '{' })
    expect(notJson.status).toBe(400)
  })

  it("never lets another workbench's admin or client near an app's data or codes", async () => {
    const { t, app, m } = await setting()
    const b = await openTenant(platformToken)
    const theirs = await register(b)
    for (const [method, path, body] of [
      ['GET', `/v1/apps/${app.appId}/user-data`],
      ['PUT', `/v1/apps/${app.appId}/user-data`, { fields: ['email'] }],
      ['GET', `/v1/apps/${app.appId}/attributes/${m.memberId}`],
      ['PUT', `/v1/apps/${app.appId}/attributes/${m.memberId}`, { values: { region: 'B' } }],
      ['POST', `/v1/me/apps/${app.appId}/code`],
    ] as const) {
      const res = await call(apps, method, path, { token: b.accessToken, body })
      expect([method, path, res.status]).toEqual([method, path, 404])
    }
    // B's own app, A's member: not B's member
    const mine = await call(apps, 'GET', `/v1/apps/${theirs.appId}/attributes/${m.memberId}`, {
      token: b.accessToken,
    })
    expect(mine.status).toBe(404)
    // A's code with B's client (its real secret): refused, and the code is gone
    const code = (await issue(m.token, app.appId)).body.code
    const cross = await exchange(theirs, code)
    expect([cross.status, cross.body.error.code]).toEqual([401, 'INVALID_CLIENT'])
    expect((await exchange(app, code)).status).toBe(400)
    expect(
      (await call(apps, 'GET', `/v1/apps/${app.appId}/user-data`, { token: t.accessToken })).body.fields,
    ).toEqual([])
  })

  it('lets exactly one of 50 concurrent exchanges of a code succeed', async () => {
    const { app, m } = await setting()
    const code = (await issue(m.token, app.appId)).body.code
    const results = await Promise.all(Array.from({ length: 50 }, () => exchange(app, code)))
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 400)).toHaveLength(49)
  })
})
