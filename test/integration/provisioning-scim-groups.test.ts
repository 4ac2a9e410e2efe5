import { handler as apps } from '../../functions/apps/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as provisioning } from '../../functions/provisioning/handler.js'
import { accountName } from '../../lib/directory/member-record.js'
import { type RunningProvider, startProvider } from '../../scripts/local/provider.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture, registerOAuth2App } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useLocalStreams } from '../support/streams.js'

const table = useTestTable({ stream: true })

// biome-ignore lint/suspicious/noExplicitAny: the provider keeps whatever JSON it was sent
type Json = any

/**
 * SCIM Groups, end to end through the stream consumers, to the stand-in provider's SCIM service
 * (scripts/local/provider.ts, `/scim/v2`): departments become Groups only when the app's
 * provisioning asks for them, the granted members are in the Groups of their departments, and the
 * Groups follow moves, revocations, renames and deletions. Also: `Retry-After`, and the
 * capitalised-ops quirk.
 */
describe('provisioning departments to a SCIM 2.0 service as Groups', () => {
  const { settle, retries } = useLocalStreams(table)
  const providers: RunningProvider[] = []

  afterAll(async () => {
    await Promise.all(providers.map((p) => p.stop()))
  })

  /** A tenant, an app asking for the member's departments (approved), a provider of its own. */
  const setUp = async (options: { approveDepartments?: boolean } = {}) => {
    const provider = await startProvider()
    providers.push(provider)
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const as = (fn: typeof apps, method: string, path: string, body?: unknown) =>
      call(fn, method, path, { token: t.accessToken, body })
    const app = await registerOAuth2App(t.accessToken, 'SCIM groups app', ['email', 'departments'])
    if (options.approveDepartments !== false)
      expect((await as(apps, 'PUT', `/v1/apps/${app}/user-data`, { fields: ['departments'] })).status).toBe(
        200,
      )
    const dept = async (name: string, parentId?: string) => {
      const res = await as(directory, 'POST', '/v1/departments', { name, ...(parentId ? { parentId } : {}) })
      expect(res.status).toBe(201)
      return res.body.deptId as string
    }
    const member = async (name: string, departmentIds: string[] = []) =>
      (
        await as(directory, 'POST', '/v1/members', {
          name,
          email: `${name.replace(' ', '.').toLowerCase()}-${Date.now()}@corp.test`,
          departmentIds,
        })
      ).body.member.memberId as string
    const grant = (...members: string[]) => as(apps, 'POST', `/v1/apps/${app}/grants`, { members })
    const bind = (extra: Record<string, unknown> = {}) =>
      as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
        dialect: 'scim',
        baseUrl: `${provider.origin}/scim/v2`,
        bearerToken: provider.accessKey,
        ...extra,
      })
    const status = async () => (await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)).body
    const scim = provider.state.scim
    const userOf = (memberId: string) =>
      [...scim.users.values()].find((u) => u.userName === accountName(t.tenant.tenantId, memberId))
    const groupOf = (deptId: string) => [...scim.groups.values()].find((g) => g.externalId === deptId)
    /** each department's Group: its name and the members in it, by member name */
    const groupsHeld = (deptIds: string[]) =>
      Object.fromEntries(
        deptIds.map((d) => {
          const g = groupOf(d)
          const names = (g?.members ?? []).map((m: Json) => scim.users.get(m.value)?.displayName).sort()
          return [d, g ? { displayName: g.displayName, members: names } : undefined]
        }),
      )
    /** the requests the service answered, as `METHOD /Kind[/{id}] status` */
    const requests = () =>
      scim.log.map(
        (l) =>
          `${l.method} ${(l.path.split('?')[0] ?? '').replace(/^\/(Users|Groups)\/.+$/, '/$1/{id}')} ${l.status}`,
      )
    return {
      provider,
      t,
      as,
      app,
      dept,
      member,
      grant,
      bind,
      status,
      scim,
      userOf,
      groupOf,
      groupsHeld,
      requests,
    }
  }

  it('sends the departments as Groups with the granted members in them, and follows moves, revocations, renames and deletions', async () => {
    const s = await setUp()
    const sales = await s.dept('Sales')
    const support = await s.dept('Support')
    // two departments of one name in different places: the server keeps names unique
    const emeaSales = await s.dept('EMEA', sales)
    const emeaSupport = await s.dept('EMEA', support)
    const ann = await s.member('Ann Lee', [sales])
    const bob = await s.member('Bob Ray', [support, emeaSales])
    const cy = await s.member('Cy Doe')
    const dee = await s.member('Dee Ng', [sales])
    await s.grant(ann, bob, cy)
    await settle()

    const bound = await s.bind({ scimGroups: true })
    expect(bound.status).toBe(200)
    expect(bound.body).toMatchObject({ dialect: 'scim', scimGroups: true, scimOpsCase: 'lower' })
    await settle()
    expect(await s.status()).toMatchObject({ state: 'idle', queued: 0 })

    const all = [sales, support, emeaSales, emeaSupport]
    expect(s.groupsHeld(all)).toEqual({
      [sales]: { displayName: 'Sales', members: ['Ann Lee'] },
      [support]: { displayName: 'Support', members: ['Bob Ray'] },
      [emeaSales]: { displayName: expect.stringMatching(/^EMEA/), members: ['Bob Ray'] },
      [emeaSupport]: { displayName: expect.stringMatching(/^EMEA/), members: [] },
    })
    // one of the two EMEAs carries its id to be told apart
    expect([s.groupOf(emeaSales)?.displayName, s.groupOf(emeaSupport)?.displayName].sort()).toEqual([
      'EMEA',
      `EMEA (${[emeaSales, emeaSupport].find((d) => s.groupOf(d)?.displayName !== 'EMEA')})`,
    ])
    // a Group is its name, its department's id, its members: nothing else was sent
    const { id: _id, meta: _meta, members: _members, ...sentGroup } = s.groupOf(sales)
    expect(sentGroup).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Sales',
      externalId: sales,
    })
    expect(s.userOf(cy)).toBeDefined()
    expect(s.userOf(dee)).toBeUndefined()
    // members went in by PATCH, one per Group; no Group was ever PUT
    expect(s.requests().filter((r) => r.startsWith('PUT'))).toEqual([])

    // Ann moves from Sales to Support: out of the one, into the other (the server said where she was)
    s.scim.log.length = 0
    expect(
      (await s.as(directory, 'PUT', `/v1/members/${ann}/departments`, { departmentIds: [support] })).status,
    ).toBe(200)
    await settle()
    expect(s.groupsHeld([sales, support])).toEqual({
      [sales]: { displayName: 'Sales', members: [] },
      [support]: { displayName: 'Support', members: ['Ann Lee', 'Bob Ray'] },
    })
    expect(s.requests().filter((r) => !r.startsWith('GET'))).toEqual(
      expect.arrayContaining(['PATCH /Users/{id} 200', 'PATCH /Groups/{id} 204']),
    )
    expect(s.requests().filter((r) => r.startsWith('PATCH /Groups'))).toHaveLength(2)

    // a department renamed: its Group renamed, the same Group
    const salesGroup = s.groupOf(sales).id
    await s.as(directory, 'PATCH', `/v1/departments/${sales}`, { name: 'Sales & Marketing' })
    await settle()
    expect(s.groupOf(sales)).toMatchObject({ id: salesGroup, displayName: 'Sales & Marketing' })

    // Bob's grant revoked: deactivated, and out of every Group
    const grants = (await s.as(apps, 'GET', `/v1/apps/${s.app}/grants`)).body.items as { grantId: string }[]
    for (const g of grants) await s.as(apps, 'DELETE', `/v1/apps/${s.app}/grants/${g.grantId}`)
    await s.grant(ann, cy)
    await settle()
    expect(s.userOf(bob)).toMatchObject({ active: false })
    expect(s.groupsHeld([support, emeaSales])).toEqual({
      [support]: { displayName: 'Support', members: ['Ann Lee'] },
      [emeaSales]: { displayName: expect.stringMatching(/^EMEA/), members: [] },
    })
    expect(await s.status()).toMatchObject({ state: 'idle', queued: 0 })

    // a department deleted: its Group deleted
    const gone = s.groupOf(emeaSupport).id
    expect((await s.as(directory, 'DELETE', `/v1/departments/${emeaSupport}`)).status).toBe(204)
    await settle()
    expect(s.scim.groups.has(gone)).toBe(false)
    expect(s.groupOf(emeaSupport)).toBeUndefined()

    // a resync changes nothing: every Group found by its department's id, no one added twice
    s.scim.log.length = 0
    const before = JSON.stringify([...s.scim.groups.values()].map((g) => [g.id, g.displayName, g.members]))
    await s.as(provisioning, 'POST', `/v1/apps/${s.app}/provisioning/resync`)
    await settle()
    expect(JSON.stringify([...s.scim.groups.values()].map((g) => [g.id, g.displayName, g.members]))).toBe(
      before,
    )
    expect(s.requests().filter((r) => r.startsWith('POST /Groups') || r.startsWith('PATCH /Groups'))).toEqual(
      [],
    )
  })

  it('without the departments approved, a member is in the Group of their primary department only', async () => {
    const s = await setUp({ approveDepartments: false })
    const one = await s.dept('Plant 1')
    const two = await s.dept('Plant 2')
    const eve = await s.member('Eve Ko', [one, two])
    await s.grant(eve)
    await settle()
    await s.bind({ scimGroups: true })
    await settle()
    expect(s.groupsHeld([one, two])).toEqual({
      [one]: { displayName: 'Plant 1', members: ['Eve Ko'] },
      [two]: { displayName: 'Plant 2', members: [] },
    })
  })

  it('sends nothing for departments while scimGroups is off, and everything once it is turned on', async () => {
    const s = await setUp()
    const ops = await s.dept('Operations')
    const fay = await s.member('Fay Wu', [ops])
    await s.grant(fay)
    await settle()
    const bound = await s.bind()
    expect(bound.body).toMatchObject({ scimGroups: false, scimOpsCase: 'lower' })
    await settle()
    await s.dept('Logistics')
    await s.as(directory, 'PATCH', `/v1/departments/${ops}`, { name: 'Ops' })
    await settle()
    expect(await s.status()).toMatchObject({ state: 'idle', queued: 0 })
    // the member, and no Group: not created, looked up, or patched
    expect(s.userOf(fay)).toMatchObject({ active: true })
    expect(s.scim.groups.size).toBe(0)
    expect(s.requests().filter((r) => r.includes('/Groups'))).toEqual([])

    // turned on: the departments and memberships follow by themselves (a resync is asked)
    const on = await s.as(provisioning, 'PUT', `/v1/apps/${s.app}/provisioning`, {
      dialect: 'scim',
      scimGroups: true,
    })
    expect(on.status).toBe(200)
    expect(on.body).toMatchObject({ scimGroups: true, secretHint: `…${s.provider.accessKey.slice(-4)}` })
    await settle()
    expect(s.groupsHeld([ops])).toEqual({ [ops]: { displayName: 'Ops', members: ['Fay Wu'] } })
    expect([...s.scim.groups.values()].map((g) => g.displayName).sort()).toEqual(['Logistics', 'Ops'])

    // and off again: departments are left alone from then on
    await s.as(provisioning, 'PUT', `/v1/apps/${s.app}/provisioning`, { dialect: 'scim', scimGroups: false })
    s.scim.log.length = 0
    await s.as(directory, 'PATCH', `/v1/departments/${ops}`, { name: 'Operations' })
    await settle()
    expect(s.requests().filter((r) => r.includes('/Groups'))).toEqual([])
    expect(s.groupOf(ops)?.displayName).toBe('Ops')

    // the settings are the SCIM dialect's only
    const refused = await s.as(provisioning, 'PUT', `/v1/apps/${s.app}/provisioning`, {
      dialect: 'workbench-v2',
      baseUrl: 'https://provider.example.test',
      accessKey: 'an-access-key',
      publicKeyPem: 'x',
      scimGroups: true,
      scimOpsCase: 'capitalized',
    })
    expect(refused.status).toBe(400)
    expect(refused.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['body.scimGroups', 'body.scimOpsCase']),
    )
  })

  it('waits out a short Retry-After within the call; a long one sets the next attempt no earlier than asked', async () => {
    const s = await setUp()
    const gus = await s.member('Gus Li')
    const hal = await s.member('Hal Oz')
    await s.bind({ scimGroups: true })
    await settle()

    // 429, Retry-After: 1 — waited out, then sent: the delivery never fails
    s.scim.log.length = 0
    s.provider.scimFail({ status: 429, retryAfter: '1', times: 1 })
    await s.grant(gus)
    await settle()
    expect(s.userOf(gus)).toMatchObject({ active: true })
    expect(await s.status()).toMatchObject({ state: 'idle', attempts: 0 })
    expect(s.requests()[0]).toMatch(/ 429$/)
    expect(s.requests()[1]).toBe(s.requests()[0]?.replace(/429$/, '200'))

    // 503, Retry-After: 600 — the delivery fails, and waits 10 minutes (not the 1 minute back-off)
    s.provider.scimFail({ status: 503, retryAfter: '600', times: 1 })
    await s.grant(hal)
    await settle()
    const failing = await s.status()
    expect(failing).toMatchObject({
      state: 'failing',
      attempts: 1,
      queued: 1,
      lastError: { httpStatus: 503 },
    })
    expect(failing.lastError.message).toContain('asked to wait 600 s')
    const waitMs = Date.parse(failing.nextAttemptAt) - Date.parse(failing.lastError.at)
    expect(waitMs).toBe(600_000)
    // not due yet: the sender's minute leaves it alone
    await retries()
    expect(await s.status()).toMatchObject({ state: 'failing', queued: 1 })
    expect(s.userOf(hal)).toBeUndefined()

    // an HTTP date: heeded too (up to an hour)
    await s.as(provisioning, 'POST', `/v1/apps/${s.app}/provisioning/retry`)
    s.provider.scimFail({
      status: 429,
      retryAfter: new Date(Date.now() + 3 * 3_600_000).toUTCString(),
      times: 1,
    })
    await retries()
    await settle()
    const later = await s.status()
    expect(later).toMatchObject({ state: 'failing', attempts: 1, lastError: { httpStatus: 429 } })
    expect(Date.parse(later.nextAttemptAt) - Date.parse(later.lastError.at)).toBe(3_600_000)

    // the admin's retry goes through
    await s.as(provisioning, 'POST', `/v1/apps/${s.app}/provisioning/retry`)
    await retries()
    await settle()
    expect(await s.status()).toMatchObject({ state: 'idle', queued: 0, attempts: 0 })
    expect(s.userOf(hal)).toMatchObject({ active: true })
  })

  it('spells every PATCH op capitalised for a server that takes only Add/Replace/Remove', async () => {
    const s = await setUp()
    const qa = await s.dept('QA')
    const ida = await s.member('Ida Fox', [qa])
    await s.grant(ida)
    await settle()
    await s.bind({ scimGroups: true })
    await settle()
    expect(s.groupsHeld([qa])).toEqual({ [qa]: { displayName: 'QA', members: ['Ida Fox'] } })

    // the server now takes capitalised ops only: a User's PATCH refused falls back to PUT, but
    // members go by PATCH only, so moving Ida out of QA fails (400 invalidSyntax)
    s.provider.scimOpsCase('capitalized')
    await s.as(directory, 'PUT', `/v1/members/${ida}/departments`, { departmentIds: [] })
    await settle()
    expect(await s.status()).toMatchObject({
      state: 'failing',
      lastError: { httpStatus: 400, code: 'invalidSyntax' },
    })
    expect(s.groupsHeld([qa])).toEqual({ [qa]: { displayName: 'QA', members: ['Ida Fox'] } })

    // the app's setting says so: every PATCH (Groups and Users) goes capitalised, none is refused
    const set = await s.as(provisioning, 'PUT', `/v1/apps/${s.app}/provisioning`, {
      dialect: 'scim',
      scimOpsCase: 'capitalized',
    })
    expect(set.body).toMatchObject({ scimOpsCase: 'capitalized', scimGroups: true })
    s.scim.log.length = 0
    await s.as(provisioning, 'POST', `/v1/apps/${s.app}/provisioning/retry`)
    await retries()
    await settle()
    expect(s.groupsHeld([qa])).toEqual({ [qa]: { displayName: 'QA', members: [] } })
    await s.as(directory, 'PATCH', `/v1/departments/${qa}`, { name: 'Quality' })
    await s.as(directory, 'PATCH', `/v1/members/${ida}`, { name: 'Ida Fox-Li' })
    await settle()
    expect(await s.status()).toMatchObject({ state: 'idle', queued: 0 })
    expect(s.groupOf(qa)?.displayName).toBe('Quality')
    expect(s.userOf(ida)).toMatchObject({ displayName: 'Ida Fox-Li' })
    const writes = s.requests().filter((r) => !r.startsWith('GET'))
    expect(writes).toEqual([
      'PATCH /Users/{id} 200',
      'PATCH /Groups/{id} 204',
      'PATCH /Groups/{id} 204',
      'PATCH /Users/{id} 200',
    ])
  })
})
