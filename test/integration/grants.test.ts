import { handler as apps } from '../../functions/apps/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { expireSubscription, subscribeApp } from '../../lib/apps/subscriptions.js'
import { getTenantApp } from '../../lib/apps/tenant-apps.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { newId } from '../../lib/core/ids.js'
import { addBareMembers } from '../support/bare-members.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

type Tenant = Awaited<ReturnType<typeof openTenant>>

let n = 0
/** A member added through the directory API, signed in with their own password. */
const member = async (t: Tenant, departmentIds: string[] = []) => {
  const email = `m${++n}-${Date.now()}@corp.test`
  const added = await call(directory, 'POST', '/v1/members', {
    token: t.accessToken,
    body: { name: `Member ${n}`, email, departmentIds },
  })
  if (added.status !== 201) throw new Error(JSON.stringify(added.body))
  const first = await login(email, added.body.initialPassword)
  const active = await activate(first.accessToken, email, added.body.initialPassword, 'Member-password-1')
  return { memberId: added.body.member.memberId as string, token: active.body.accessToken as string }
}

const bareMembers = (t: Tenant, count: number) => addBareMembers(t.tenant, count)

const department = async (t: Tenant, name: string, parentId?: string) =>
  (await call(directory, 'POST', '/v1/departments', { token: t.accessToken, body: { name, parentId } })).body
    .deptId as string

const grant = (t: Tenant, appId: string, body: unknown) =>
  call(apps, 'POST', `/v1/apps/${appId}/grants`, { token: t.accessToken, body })

const myApps = async (token: string) =>
  (await call(apps, 'GET', '/v1/me/apps', { token })).body.items.map((a: { appId: string }) => a.appId)

const entitled = async (t: Tenant, appId: string, state = 'entitled') =>
  (
    await call(apps, 'GET', `/v1/apps/${appId}/entitled`, {
      token: t.accessToken,
      query: { state, limit: '100' },
    })
  ).body.items.map((i: { memberId: string }) => i.memberId)

const subscribe = (t: Tenant, seats: number) =>
  subscribeApp({
    tenantId: t.tenant.tenantId,
    appCode: 'erp-cloud',
    seats,
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    instanceId: `${t.tenant.tenantId}.erp-cloud.${newId()}`,
    market: 'koogallery',
  })

describe('unified authorisation', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('grants to departments (with or without those below), groups and members; denies win; revoking takes it back', async () => {
    const t = await openTenant(platformToken)
    const sales = await department(t, 'Sales')
    const north = await department(t, 'North', sales)
    const [inSales, inNorth, grouped, alone] = [
      await member(t, [sales]),
      await member(t, [north]),
      await member(t),
      await member(t),
    ]
    const group = (
      await call(directory, 'POST', '/v1/groups', { token: t.accessToken, body: { name: 'Pilots' } })
    ).body.groupId
    await call(directory, 'POST', `/v1/groups/${group}/members`, {
      token: t.accessToken,
      body: { memberIds: [grouped.memberId] },
    })
    expect(await myApps(inSales.token)).toEqual([])

    const first = await grant(t, 'drive', { departments: [{ id: sales }] })
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ entitled: 1, waiting: 0, removed: 0 })
    expect(first.body.grants[0]).toMatchObject({
      grantId: `department-${sales}`,
      effect: 'allow',
      subject: { type: 'department', id: sales, name: 'Sales' },
      includeSubDepartments: false,
    })
    expect(await myApps(inSales.token)).toEqual(['drive'])
    expect(await myApps(inNorth.token)).toEqual([])

    // the same department again, now with those below: the grant changes in place
    const wider = await grant(t, 'drive', { departments: [{ id: sales, includeSubDepartments: true }] })
    expect(wider.body).toMatchObject({ entitled: 1 })
    expect(await myApps(inNorth.token)).toEqual(['drive'])
    await grant(t, 'drive', { groups: [group], members: [alone.memberId] })
    expect((await entitled(t, 'drive')).sort()).toEqual(
      [inSales.memberId, inNorth.memberId, grouped.memberId, alone.memberId].sort(),
    )

    const why = await call(apps, 'GET', `/v1/apps/drive/entitled/${inNorth.memberId}`, {
      token: t.accessToken,
    })
    expect(why.body).toMatchObject({
      canOpen: true,
      state: 'entitled',
      grants: [
        {
          grantId: `department-${sales}`,
          subject: { type: 'department', id: sales, name: 'Sales' },
          includeSubDepartments: true,
          via: { id: north, name: 'North' },
        },
      ],
      denies: [],
      blockers: [],
    })

    const denied = await grant(t, 'drive', { deny: { departments: [{ id: north }] } })
    expect(denied.body).toMatchObject({ removed: 1 })
    expect(await myApps(inNorth.token)).toEqual([])
    const whyNot = await call(apps, 'GET', `/v1/apps/drive/entitled/${inNorth.memberId}`, {
      token: t.accessToken,
    })
    expect(whyNot.body).toMatchObject({
      canOpen: false,
      state: 'none',
      denies: [{ grantId: `deny-department-${north}`, via: { id: north } }],
      blockers: ['denied'],
    })

    const listed = await call(apps, 'GET', '/v1/apps/drive/grants', { token: t.accessToken })
    expect(listed.body.items.map((g: { grantId: string }) => g.grantId).sort()).toEqual(
      [
        `department-${sales}`,
        `group-${group}`,
        `member-${alone.memberId}`,
        `deny-department-${north}`,
      ].sort(),
    )
    expect(
      (await call(apps, 'DELETE', `/v1/apps/drive/grants/deny-department-${north}`, { token: t.accessToken }))
        .status,
    ).toBe(204)
    expect(await myApps(inNorth.token)).toEqual(['drive'])
    expect(
      (await call(apps, 'DELETE', `/v1/apps/drive/grants/group-${group}`, { token: t.accessToken })).status,
    ).toBe(204)
    expect(await myApps(grouped.token)).toEqual([])
    expect(
      (await call(apps, 'DELETE', `/v1/apps/drive/grants/group-${group}`, { token: t.accessToken })).status,
    ).toBe(404)
  })

  it("shows a member only apps that are switched on and licensed, in their groups' order", async () => {
    const t = await openTenant(platformToken)
    const m = await member(t)
    await subscribe(t, 5)
    for (const appId of ['drive', 'calendar', 'erp-cloud']) {
      expect((await grant(t, appId, { members: [m.memberId] })).status).toBe(200)
    }
    const shelf = (
      await call(apps, 'POST', '/v1/app-groups', { token: t.accessToken, body: { name: 'Work', order: 1 } })
    ).body.groupId
    await call(apps, 'PATCH', '/v1/apps/erp-cloud', { token: t.accessToken, body: { groupId: shelf } })
    const mine = (await call(apps, 'GET', '/v1/me/apps', { token: m.token })).body
    expect(mine.groups).toEqual([{ groupId: shelf, name: 'Work', order: 1 }])
    expect(mine.items[0]).toMatchObject({ appId: 'erp-cloud', groupId: shelf, kind: 'subscribed' })
    expect(mine.items.map((a: { appId: string }) => a.appId).sort()).toEqual([
      'calendar',
      'drive',
      'erp-cloud',
    ])
    expect(mine.items.find((a: { appId: string }) => a.appId === 'drive')).toMatchObject({
      protocol: 'built-in',
      name: 'Drive',
    })
    expect(mine.items.find((a: { appId: string }) => a.appId === 'drive').launchUrl).toBeUndefined()

    await call(apps, 'PATCH', '/v1/apps/calendar', { token: t.accessToken, body: { enabled: false } })
    await expireSubscription(t.tenant.tenantId, 'erp-cloud', true)
    expect(await myApps(m.token)).toEqual(['drive'])
    const why = await call(apps, 'GET', `/v1/apps/erp-cloud/entitled/${m.memberId}`, { token: t.accessToken })
    expect(why.body).toMatchObject({ canOpen: false, state: 'entitled', blockers: ['licence-expired'] })
    // the grant is kept for renewal
    expect(await entitled(t, 'erp-cloud')).toEqual([m.memberId])
  })

  it('never gives a licensed app more holders than seats: a grant that does not fit is refused whole', async () => {
    const t = await openTenant(platformToken)
    await subscribe(t, 3)
    const team = await department(t, 'Team')
    const members = await bareMembers(t, 5)
    for (const id of members.slice(0, 4)) {
      await call(directory, 'PUT', `/v1/members/${id}/departments`, {
        token: t.accessToken,
        body: { departmentIds: [team] },
      })
    }
    const refused = await grant(t, 'erp-cloud', { departments: [{ id: team }] })
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([
      422,
      'SEAT_LIMIT_REACHED',
      { free: 3, needed: 4 },
    ])
    expect(await entitled(t, 'erp-cloud')).toEqual([])
    expect(
      (await call(apps, 'GET', '/v1/apps/erp-cloud/grants', { token: t.accessToken })).body.items,
    ).toEqual([])

    expect((await grant(t, 'erp-cloud', { members: members.slice(0, 3) })).body).toMatchObject({
      entitled: 3,
    })
    // one leaves by a revoke: their seat is free again
    expect(
      (await call(apps, 'DELETE', `/v1/apps/erp-cloud/grants/member-${members[0]}`, { token: t.accessToken }))
        .status,
    ).toBe(204)
    expect((await grant(t, 'erp-cloud', { members: [members[4]] })).body).toMatchObject({ entitled: 1 })
    expect((await entitled(t, 'erp-cloud')).length).toBe(3)
  })

  it('commits a big grant from one read: no member or standing is read twice', async () => {
    const t = await openTenant(platformToken)
    await subscribe(t, 500)
    const plant = await department(t, 'Plant')
    // more members than one transaction takes: the lead commit and two more
    await addBareMembers(t.tenant, 250, { deptId: plant })
    const asked = new Map<string, number>()
    const client = getDocumentClient()
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchGetItemCommand') {
          const input = args.input as { RequestItems: Record<string, { Keys: Record<string, string>[] }> }
          for (const { Keys } of Object.values(input.RequestItems))
            for (const k of Keys) asked.set(`${k.PK}|${k.SK}`, (asked.get(`${k.PK}|${k.SK}`) ?? 0) + 1)
        }
        return next(args)
      },
      { step: 'initialize', name: 'readsOnce' },
    )
    try {
      const granted = await grant(t, 'erp-cloud', { departments: [{ id: plant }] })
      expect([granted.status, granted.body.entitled]).toEqual([200, 250])
    } finally {
      client.middlewareStack.remove('readsOnce')
    }
    expect(asked.size).toBeGreaterThanOrEqual(500)
    expect([...asked.entries()].filter(([, times]) => times > 1)).toEqual([])
    // the seat counter followed every commit, the lead's and the rest's
    expect((await getTenantApp(t.tenant.tenantId, 'erp-cloud'))?.seatsHeld).toBe(250)
  })

  it('100 concurrent grants of a 10-seat app to distinct members leave exactly 10 holders', async () => {
    const t = await openTenant(platformToken)
    await subscribe(t, 10)
    const members = await bareMembers(t, 100)
    const answers = await Promise.all(members.map((id) => grant(t, 'erp-cloud', { members: [id] })))
    const statuses = answers.map((a) => a.status)
    expect(statuses.filter((s) => s === 200).length).toBe(10)
    expect(statuses.every((s) => s === 200 || s === 422 || s === 409)).toBe(true)
    expect((await entitled(t, 'erp-cloud')).length).toBe(10)
    const app = (await call(apps, 'GET', '/v1/apps/erp-cloud', { token: t.accessToken })).body
    expect(app.licence.seats).toBe(10)
  })

  it("never shows or grants another workbench's apps or members, and names the bad fields", async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken)
    const own = (
      await call(apps, 'POST', '/v1/apps', {
        token: a.accessToken,
        body: {
          name: 'Ledger',
          clientTypes: ['web'],
          protocol: 'link',
          homeUrl: 'https://ledger.example.com/',
        },
      })
    ).body.appId
    const [bMember] = await bareMembers(b, 1)
    for (const [method, path, body] of [
      ['GET', `/v1/apps/${own}/grants`],
      ['POST', `/v1/apps/${own}/grants`, { members: [bMember] }],
      ['GET', `/v1/apps/${own}/entitled`],
      ['GET', `/v1/apps/${own}/entitled/${bMember}`],
      ['DELETE', `/v1/apps/${own}/grants/member-${bMember}`],
    ] as const) {
      expect([method, path, (await call(apps, method, path, { token: b.accessToken, body })).status]).toEqual(
        [method, path, 404],
      )
    }
    const foreign = await grant(a, own, { members: [bMember], groups: ['01nosuchgroupaaaaaaaaaaaaa'] })
    expect([foreign.status, foreign.body.error.details]).toEqual([
      400,
      [
        { path: 'body.members.0', message: 'unknown member' },
        { path: 'body.groups.0', message: 'unknown group' },
      ],
    ])
    const whyForeign = await call(apps, 'GET', `/v1/apps/${own}/entitled/${bMember}`, {
      token: a.accessToken,
    })
    expect(whyForeign.status).toBe(404)
    for (const body of [
      {},
      { members: ['x'] },
      { departments: [{ id: newId() }], extra: 1 },
      { deny: { groups: [] } },
    ]) {
      const bad = await grant(a, own, body)
      expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_FAILED'])
    }
    const badId = await call(apps, 'DELETE', `/v1/apps/${own}/grants/everyone`, { token: a.accessToken })
    expect([badId.status, badId.body.error.details[0].path]).toEqual([400, 'path.grantId'])
  })
})
