import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import '../../lib/capability-jobs.js'
import { runLifecycle } from '../../lib/lifecycle/run.js'
import { releaseTenant } from '../../lib/tenants/lifecycle.js'
import { useTestTable } from '../support/dynamo.js'
import { login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { lastCode } from '../support/outbox.js'

useTestTable()

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url')

describe('no 5xx for what a careless client sends, and nothing left behind', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('answers 400 to a forged cursor on every list, whatever key it names', async () => {
    const t = await openTenant(platformToken)
    const tenantId = t.tenant.tenantId
    const lists: [typeof auth, string, string, Record<string, string>][] = [
      [directory, '/v1/members', t.accessToken, { PK: `T#${tenantId}` }],
      [directory, '/v1/tenant/audit', t.accessToken, { PK: `T#${tenantId}` }],
      [auth, '/v1/auth/login-log', t.accessToken, { PK: 'ACCT#x' }],
      [auth, '/v1/tenant/login-log', t.accessToken, { GSI2PK: `T#${tenantId}#LOGINS` }],
      [tenants, '/v1/tenants', platformToken, { GSI2PK: 'TENANTS' }],
      [tenants, `/v1/tenants/${tenantId}/history`, platformToken, { PK: `T#${tenantId}` }],
      [directory, '/v1/groups', t.accessToken, { PK: `T#${tenantId}` }],
      [directory, '/v1/invitations', t.accessToken, { PK: `T#${tenantId}` }],
    ]
    for (const [handler, path, token, partition] of lists) {
      for (const forged of [
        partition,
        { ...partition, SK: 'TENANT' },
        { ...partition, SK: 42 },
        { PK: 'T#someone-else', SK: 'MEMBER#x' },
        'not json',
      ]) {
        const cursor = typeof forged === 'string' ? forged : cursorOf(forged)
        const res = await call(handler, 'GET', path, { token, query: { cursor } })
        expect([path, res.status, res.body.error?.details?.[0]?.path]).toEqual([path, 400, 'query.cursor'])
      }
    }
  })

  it('never answers 500 when members are enabled and disabled while they are removed', async () => {
    const t = await openTenant(platformToken)
    for (let round = 0; round < 5; round++) {
      const added = await call(directory, 'POST', '/v1/members', {
        token: t.accessToken,
        body: { name: `R${round}`, email: `race${round}-${Date.now()}@race.test` },
      })
      const id = added.body.member.memberId
      const results = await Promise.all([
        call(directory, 'DELETE', `/v1/members/${id}`, { token: t.accessToken }),
        ...Array.from({ length: 6 }, (_, i) =>
          call(directory, 'POST', `/v1/members/${id}/${i % 2 ? 'enable' : 'disable'}`, {
            token: t.accessToken,
          }),
        ),
      ])
      expect(results.every((r) => r.status < 500)).toBe(true)
      expect(results[0]?.status).toBe(204)
    }
  })

  it("refuses an invitation into another tenant's department, or one that does not exist", async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken)
    const theirs = (
      await call(directory, 'POST', '/v1/departments', { token: b.accessToken, body: { name: 'B only' } })
    ).body.deptId
    for (const departmentId of [theirs, '01zzzzzzzzzzzzzzzzzzzzzzzz']) {
      const res = await call(directory, 'POST', '/v1/invitations', {
        token: a.accessToken,
        body: { departmentId },
      })
      expect([res.status, res.body.error.details[0].path]).toEqual([400, 'body.departmentId'])
    }
  })

  it("keeps an Idempotency-Key to its tenant: a person in two workbenches never gets the other's answer", async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken)
    // The same person administers both.
    const shared = await openTenant(platformToken, {
      existing: { identifier: a.identifier, password: a.password },
    })
    const key = { 'idempotency-key': 'same-key-for-both' }
    const inA = await call(directory, 'POST', '/v1/groups', {
      token: a.accessToken,
      headers: key,
      body: { name: 'G' },
    })
    const inShared = await call(directory, 'POST', '/v1/groups', {
      token: shared.accessToken,
      headers: key,
      body: { name: 'G' },
    })
    expect(inA.status).toBe(201)
    expect(inShared.status).toBe(201)
    expect(inShared.headers['idempotent-replayed']).toBeUndefined()
    expect(inShared.body.groupId).not.toBe(inA.body.groupId)
    const again = await call(directory, 'POST', '/v1/groups', {
      token: a.accessToken,
      headers: key,
      body: { name: 'G' },
    })
    expect([again.headers['idempotent-replayed'], again.body.groupId]).toEqual(['true', inA.body.groupId])
    expect(b).toBeDefined()
  })

  it('pages every list that can grow, and reads one department, group, role and invitation', async () => {
    const t = await openTenant(platformToken)
    const post = (path: string, body: unknown) =>
      call(directory, 'POST', path, { token: t.accessToken, body })
    const dept = (await post('/v1/departments', { name: 'D' })).body.deptId
    const groups = []
    for (let i = 0; i < 3; i++) groups.push((await post('/v1/groups', { name: `G${i}` })).body.groupId)
    const roles = []
    for (let i = 0; i < 3; i++)
      roles.push((await post('/v1/roles', { name: `R${i}`, permissions: ['members.read'] })).body.roleId)
    const invites = []
    for (let i = 0; i < 3; i++) invites.push((await post('/v1/invitations', {})).body.inviteId)
    const walk = async (path: string) => {
      const seen: unknown[] = []
      let cursor: string | undefined
      do {
        const page = await call(directory, 'GET', path, {
          token: t.accessToken,
          query: { limit: '2', ...(cursor ? { cursor } : {}) },
        })
        expect(page.status).toBe(200)
        expect(page.body.items.length).toBeLessThanOrEqual(2)
        seen.push(...page.body.items)
        cursor = page.body.nextCursor
      } while (cursor)
      return seen
    }
    expect(await walk('/v1/groups')).toHaveLength(3)
    expect(await walk('/v1/roles')).toHaveLength(3)
    expect(await walk('/v1/invitations')).toHaveLength(3)
    const get = (path: string) => call(directory, 'GET', path, { token: t.accessToken })
    expect((await get(`/v1/departments/${dept}`)).body).toMatchObject({ deptId: dept, name: 'D' })
    expect((await get(`/v1/groups/${groups[0]}`)).body).toMatchObject({ groupId: groups[0], name: 'G0' })
    expect((await get(`/v1/roles/${roles[1]}`)).body).toMatchObject({ roleId: roles[1], name: 'R1' })
    expect((await get(`/v1/invitations/${invites[2]}`)).body).toMatchObject({ inviteId: invites[2] })
  })

  it('leaves nothing of a released tenant but its lifecycle record', async () => {
    const t = await openTenant(platformToken)
    const tenantId = t.tenant.tenantId as string
    // Something of every kind: members, departments, groups, roles, invitations (and their codes),
    // join requests, logins (and their log), sessions, idempotency records, audit.
    const post = (path: string, body: unknown, headers?: Record<string, string>) =>
      call(directory, 'POST', path, { token: t.accessToken, body, headers })
    const dept = (await post('/v1/departments', { name: 'D' }, { 'idempotency-key': 'purge-test-1' })).body
      .deptId
    const member = (
      await post('/v1/members', { name: 'M', email: `m-${Date.now()}@purge.test`, departmentIds: [dept] })
    ).body.member.memberId
    const group = (await post('/v1/groups', { name: 'G' })).body.groupId
    await post(`/v1/groups/${group}/members`, { memberIds: [member] })
    const role = (await post('/v1/roles', { name: 'R', permissions: ['members.read'] })).body.roleId
    await call(directory, 'PUT', `/v1/members/${member}/roles`, {
      token: t.accessToken,
      body: { roleIds: [role] },
    })
    const invite = (await post('/v1/invitations', { needsApproval: true })).body
    const joiner = `joiner-${Date.now()}@purge.test`
    await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: joiner, purpose: 'signup' } })
    await call(directory, 'POST', '/v1/invitations/redeem', {
      body: {
        code: invite.code,
        name: 'J',
        email: joiner,
        password: 'Joiner-pass-12',
        verificationCode: await lastCode(joiner),
      },
    })
    await login(t.identifier, t.password)
    await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: t.identifier, password: 'Wrong-pass-1' },
    })
    // its own app, whose client id is a guard outside the tenant's partition
    const app = await call(apps, 'POST', '/v1/apps', {
      token: t.accessToken,
      body: { name: 'Own', clientTypes: ['web'], protocol: 'code' },
    })
    expect(app.body.clientId).toBeDefined()

    await releaseTenant(tenantId, { actor: 'test' })
    let report: Awaited<ReturnType<typeof runLifecycle>>
    do report = await runLifecycle({ purgeBudget: 7 })
    while (report.outcomes.purging)

    const { Items = [] } = await getDocumentClient().send(
      new ScanCommand({ TableName: config().ATRIUM_TABLE_NAME }),
    )
    const mentions = Items.filter(
      (i) => JSON.stringify(i).includes(tenantId) || JSON.stringify(i).includes(invite.code),
    )
    const kinds = mentions.map((i) => `${String(i.PK).split('#')[0]}:${String(i.SK).split('#')[0]}`)
    // The tenant record, its history, the customer's free-edition guard: the platform's record of it.
    expect(new Set(kinds)).toEqual(
      new Set(['T:TENANT', 'T:HIST', 'CUST:TRIAL'].filter((k) => kinds.includes(k))),
    )
    expect(kinds).toContain('T:TENANT')
    expect(kinds.filter((k) => k !== 'T:HIST' && k !== 'CUST:TRIAL')).toEqual(['T:TENANT'])
  })
})
