import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { useTestTable } from '../support/dynamo.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

let n = 0
const person = (extra: Record<string, unknown> = {}) => {
  n++
  return { name: `Person ${n}`, mobile: `+86 139 ${String(10_000_000 + n)}`, employeeNo: `E${n}`, ...extra }
}

describe('members', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('adds a member who can log in, and reads, edits, disables and removes them', async () => {
    const t = await openTenant(platformToken)
    const added = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Li Lei', mobile: '+86 138 0000 1111', email: 'li.lei@corp.test' },
    })
    expect(added.status).toBe(201)
    expect(added.body.member).toMatchObject({
      name: 'Li Lei',
      mobile: '+8613800001111', // one stored form, E.164
      status: 'active',
      roles: [],
    })
    const memberId = added.body.member.memberId
    const first = await login('+8613800001111', added.body.initialPassword)
    expect(first.mustChangePassword).toBe(true)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(2)

    const byMobile = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { q: '+86 13800001111' },
    })
    expect(byMobile.body.items.map((m: { memberId: string }) => m.memberId)).toEqual([memberId])
    const byName = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { q: 'li  LEI' },
    })
    expect(byName.body.items).toHaveLength(1)

    const edited = await call(directory, 'PATCH', `/v1/members/${memberId}`, {
      token: t.accessToken,
      body: { name: 'Li Lei (Sales)', email: null },
    })
    expect(edited.body).toMatchObject({ name: 'Li Lei (Sales)' })
    expect(edited.body.email).toBeUndefined()

    await call(directory, 'POST', `/v1/members/${memberId}/disable`, { token: t.accessToken })
    const refused = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: '+8613800001111', password: added.body.initialPassword, tenantCode: t.tenant.code },
    })
    expect(refused.status).toBe(403)
    await call(directory, 'POST', `/v1/members/${memberId}/enable`, { token: t.accessToken })

    const reset = await call(directory, 'POST', `/v1/members/${memberId}/reset-password`, {
      token: t.accessToken,
    })
    expect((await login('+8613800001111', reset.body.initialPassword)).mustChangePassword).toBe(true)

    expect(
      (await call(directory, 'DELETE', `/v1/members/${memberId}`, { token: t.accessToken })).status,
    ).toBe(204)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(1)
    expect((await call(directory, 'GET', `/v1/members/${memberId}`, { token: t.accessToken })).status).toBe(
      404,
    )
    // the mobile number is free again in this workbench
    const again = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Li Lei', mobile: '+8613800001111' },
    })
    expect(again.status).toBe(201)
    expect(again.body.existingAccount).toBe(true)

    const log = await call(directory, 'GET', '/v1/tenant/audit', { token: t.accessToken })
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining([
        'member.added',
        'member.updated',
        'member.disabled',
        'member.enabled',
        'member.password-reset',
        'member.removed',
      ]),
    )
    expect(JSON.stringify(log.body)).not.toContain('Li Lei')
  })

  it('holds the seat limit under 200 concurrent adds: exactly the free seats are filled', async () => {
    const t = await openTenant(platformToken, { planCode: 'general.basic' })
    // 50 seats, the admin holds one: fill up to 45 so that 5 remain.
    for (let i = 0; i < 44; i++) {
      const res = await call(directory, 'POST', '/v1/members', { token: t.accessToken, body: person() })
      expect(res.status).toBe(201)
    }
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        call(directory, 'POST', '/v1/members', { token: t.accessToken, body: person() }),
      ),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(5)
    const refused = results.filter((r) => r.status !== 201)
    expect(new Set(refused.map((r) => r.body.error.code))).toEqual(new Set(['SEAT_LIMIT_REACHED']))
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(50)
    const listed = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { limit: '100' },
    })
    expect(listed.body.items).toHaveLength(50)
  }, 120_000)

  it('makes one member of concurrent adds of the same mobile number', async () => {
    const t = await openTenant(platformToken)
    const body = person()
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(directory, 'POST', '/v1/members', { token: t.accessToken, body }),
      ),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.error.code).toBe('ALREADY_EXISTS')
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(2)
  })

  it('keeps names, mobile numbers and e-mail addresses out of the raw table', async () => {
    const t = await openTenant(platformToken)
    const secrets = { name: 'Zhang Xiaoming', mobile: '+86 137 1234 5678', email: 'zhang.xiaoming@corp.test' }
    expect(
      (await call(directory, 'POST', '/v1/members', { token: t.accessToken, body: secrets })).status,
    ).toBe(201)
    // A maintenance read of every item: the one place a Scan belongs.
    const items: Record<string, unknown>[] = []
    let start: Record<string, unknown> | undefined
    do {
      const out = await getDocumentClient().send(
        new ScanCommand({ TableName: config().ATRIUM_TABLE_NAME, ExclusiveStartKey: start }),
      )
      items.push(...(out.Items ?? []))
      start = out.LastEvaluatedKey
    } while (start)
    const raw = JSON.stringify(items).toLowerCase()
    // needles a base64 ciphertext or hash cannot hold by chance (one once held "zhang")
    for (const needle of [
      'zhang xiaoming',
      'xiaoming',
      '13712345678',
      '1234 5678',
      'corp.test',
      t.identifier.toLowerCase(),
    ]) {
      expect(raw).not.toContain(needle)
    }
  })

  it('never shows one tenant the members of another', async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken)
    const bMember = await call(directory, 'POST', '/v1/members', { token: b.accessToken, body: person() })
    const id = bMember.body.member.memberId
    for (const [method, path] of [
      ['GET', `/v1/members/${id}`],
      ['PATCH', `/v1/members/${id}`],
      ['POST', `/v1/members/${id}/disable`],
      ['POST', `/v1/members/${id}/reset-password`],
      ['DELETE', `/v1/members/${id}`],
    ] as const) {
      const res = await call(directory, method, path, {
        token: a.accessToken,
        body: method === 'PATCH' ? { name: 'x' } : undefined,
      })
      expect([path, method, res.status]).toEqual([path, method, 404])
    }
    const list = await call(directory, 'GET', '/v1/members', {
      token: a.accessToken,
      query: { q: bMember.body.member.mobile },
    })
    expect(list.body.items).toHaveLength(0)
    expect((await call(directory, 'GET', `/v1/members/${id}`, { token: b.accessToken })).status).toBe(200)
  })

  it('refuses a member without the permission, and protects the tenant administrator', async () => {
    const t = await openTenant(platformToken)
    const added = await call(directory, 'POST', '/v1/members', { token: t.accessToken, body: person() })
    const member = await login(added.body.member.mobile, added.body.initialPassword)
    const changed = await activate(
      member.accessToken,
      added.body.member.mobile,
      added.body.initialPassword,
      'Member-pass-123',
    )
    expect((await call(directory, 'GET', '/v1/members', { token: changed.body.accessToken })).status).toBe(
      403,
    )
    expect(
      (await call(directory, 'POST', '/v1/members', { token: changed.body.accessToken, body: person() }))
        .status,
    ).toBe(403)
    const me = (
      await call(directory, 'GET', '/v1/members', { token: t.accessToken, query: { q: t.identifier } })
    ).body.items
    const adminId = JSON.parse(Buffer.from(t.accessToken.split('.')[1] as string, 'base64url').toString()).sub
    // the administrator's login is their directory contact, held by the same guard as everyone's
    expect(me.map((m: { memberId: string }) => m.memberId)).toEqual([adminId])
    const sameLogin = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Someone Else', email: t.identifier },
    })
    expect(sameLogin.status).toBe(409)
    expect((await call(directory, 'DELETE', `/v1/members/${adminId}`, { token: t.accessToken })).status).toBe(
      403,
    )
    expect(
      (await call(directory, 'POST', `/v1/members/${adminId}/disable`, { token: t.accessToken })).status,
    ).toBe(403)
  })

  it('pages through a department subtree, a group and a search, each with its own cursor', async () => {
    const t = await openTenant(platformToken)
    const post = (path: string, body: unknown) =>
      call(directory, 'POST', path, { token: t.accessToken, body })
    const hq = (await post('/v1/departments', { name: 'HQ' })).body.deptId
    const subs: string[] = []
    for (const name of ['A', 'B', 'C', 'D'])
      subs.push((await post('/v1/departments', { name, parentId: hq })).body.deptId)
    const group = (await post('/v1/groups', { name: 'Night shift' })).body.groupId
    const ids: string[] = []
    for (let i = 0; i < 13; i++) {
      const added = await post('/v1/members', person({ name: 'Same Name', departmentIds: [subs[i % 4]] }))
      ids.push(added.body.member.memberId)
    }
    await post('/v1/members', person({ name: 'Outsider' }))
    const disabled = ids.slice(0, 3)
    for (const id of disabled) await post(`/v1/members/${id}/disable`, undefined)
    await post(`/v1/groups/${group}/members`, { memberIds: ids.filter((_, i) => i % 2 === 0) })

    const all = async (query: Record<string, string>) => {
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const res = await call(directory, 'GET', '/v1/members', {
          token: t.accessToken,
          query: { ...query, limit: '4', ...(cursor ? { cursor } : {}) },
        })
        expect(res.status).toBe(200)
        expect(res.body.items.length).toBeLessThanOrEqual(4)
        seen.push(...res.body.items.map((m: { memberId: string }) => m.memberId))
        cursor = res.body.nextCursor
      } while (cursor)
      return seen
    }
    const sorted = (list: string[]) => [...list].sort()
    const subtree = await all({ departmentId: hq, includeSubDepartments: 'true' })
    expect(subtree).toEqual(sorted(ids))
    expect(await all({ departmentId: hq, includeSubDepartments: 'true', status: 'active' })).toEqual(
      sorted(ids.filter((id) => !disabled.includes(id))),
    )
    expect(await all({ departmentId: subs[1] as string })).toEqual(sorted(ids.filter((_, i) => i % 4 === 1)))
    expect(await all({ groupId: group, departmentId: subs[0] as string })).toEqual(
      sorted(ids.filter((_, i) => i % 4 === 0)),
    )
    expect(await all({ q: 'Same Name', status: 'disabled' })).toEqual(sorted(disabled))
    expect(await all({ q: 'Same Name', groupId: group })).toEqual(sorted(ids.filter((_, i) => i % 2 === 0)))

    const first = await call(directory, 'GET', '/v1/members', { token: t.accessToken, query: { limit: '2' } })
    const crossed = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { groupId: group, cursor: first.body.nextCursor },
    })
    expect(crossed.status).toBe(400)
    expect(crossed.body.error.details).toEqual([{ path: 'query.cursor', message: 'invalid cursor' }])
  })
})
