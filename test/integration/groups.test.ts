import { executeTransactWrite } from 'dynamodb-toolbox'
import { handler as directory } from '../../functions/directory/handler.js'
import { deleteMembership } from '../../lib/identity/accounts.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

let n = 0
const add = async (token: string) =>
  (
    await call(directory, 'POST', '/v1/members', {
      token,
      body: { name: `G ${++n}`, email: `g${n}-${Date.now()}@corp.test` },
    })
  ).body.member.memberId as string

describe('user groups', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('groups members across departments, both ways, and follows removals', async () => {
    const t = await openTenant(platformToken)
    const [m1, m2] = [await add(t.accessToken), await add(t.accessToken)]
    const group = await call(directory, 'POST', '/v1/groups', {
      token: t.accessToken,
      body: { name: 'Safety team' },
    })
    expect(group.status).toBe(201)
    const gid = group.body.groupId
    const added = await call(directory, 'POST', `/v1/groups/${gid}/members`, {
      token: t.accessToken,
      body: { memberIds: [m1, m2, m1] },
    })
    expect(added.body.memberCount).toBe(2)
    expect(
      (await call(directory, 'GET', `/v1/groups/${gid}/members`, { token: t.accessToken })).body.items.sort(),
    ).toEqual([m1, m2].sort())
    expect(
      (await call(directory, 'GET', `/v1/members/${m1}/groups`, { token: t.accessToken })).body.items,
    ).toEqual([gid])
    const filtered = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { groupId: gid },
    })
    expect(filtered.body.items.map((m: { memberId: string }) => m.memberId).sort()).toEqual([m1, m2].sort())
    const renamed = await call(directory, 'PATCH', `/v1/groups/${gid}`, {
      token: t.accessToken,
      body: { name: 'HSE team' },
    })
    expect(renamed.body).toMatchObject({ name: 'HSE team', memberCount: 2 })

    expect(
      (await call(directory, 'DELETE', `/v1/groups/${gid}/members/${m2}`, { token: t.accessToken })).status,
    ).toBe(204)
    expect((await call(directory, 'DELETE', `/v1/members/${m1}`, { token: t.accessToken })).status).toBe(204)
    const after = await call(directory, 'GET', '/v1/groups', { token: t.accessToken })
    expect(after.body.items).toEqual([{ groupId: gid, name: 'HSE team', memberCount: 0 }])
    expect(
      (await call(directory, 'GET', `/v1/groups/${gid}/members`, { token: t.accessToken })).body.items,
    ).toEqual([])

    const stranger = await call(directory, 'POST', `/v1/groups/${gid}/members`, {
      token: t.accessToken,
      body: { memberIds: ['01nosuchmemberaaaaaaaaaaaa'] },
    })
    expect(stranger.status).toBe(400)
    expect((await call(directory, 'DELETE', `/v1/groups/${gid}`, { token: t.accessToken })).status).toBe(204)
    expect((await call(directory, 'GET', `/v1/groups/${gid}/members`, { token: t.accessToken })).status).toBe(
      404,
    )
  })

  it("never adds another tenant's member or shows another tenant's group", async () => {
    const a = await openTenant(platformToken)
    const b = await openTenant(platformToken)
    const bMember = await add(b.accessToken)
    const aGroup = (
      await call(directory, 'POST', '/v1/groups', { token: a.accessToken, body: { name: 'A' } })
    ).body.groupId
    const bGroup = (
      await call(directory, 'POST', '/v1/groups', { token: b.accessToken, body: { name: 'B' } })
    ).body.groupId
    expect(
      (
        await call(directory, 'POST', `/v1/groups/${aGroup}/members`, {
          token: a.accessToken,
          body: { memberIds: [bMember] },
        })
      ).status,
    ).toBe(400)
    for (const [method, path, body] of [
      ['GET', `/v1/groups/${bGroup}/members`, undefined],
      ['PATCH', `/v1/groups/${bGroup}`, { name: 'x' }],
      ['DELETE', `/v1/groups/${bGroup}`, undefined],
      ['POST', `/v1/groups/${bGroup}/members`, { memberIds: [bMember] }],
      ['GET', `/v1/members/${bMember}/groups`, undefined],
    ] as const) {
      const res = await call(directory, method, path, { token: a.accessToken, body })
      expect([method, path, res.status]).toEqual([method, path, 404])
    }
    expect(
      (await call(directory, 'GET', '/v1/groups', { token: a.accessToken })).body.items.map(
        (g: { name: string }) => g.name,
      ),
    ).toEqual(['A'])
  })

  it('leaves nothing behind when group changes race a member removal or a group deletion', async () => {
    const t = await openTenant(platformToken)
    const tenantId = t.tenant.tenantId as string
    const gid = (
      await call(directory, 'POST', '/v1/groups', { token: t.accessToken, body: { name: 'Race' } })
    ).body.groupId
    // the mechanism: a removal computed before a group was joined no longer applies
    const joined = await add(t.accessToken)
    await call(directory, 'POST', `/v1/groups/${gid}/members`, {
      token: t.accessToken,
      body: { memberIds: [joined] },
    })
    await expect(
      executeTransactWrite(
        deleteMembership({ realm: 'tenant', ctx: tenantId, accountId: joined }, { groupCount: 0 }),
      ),
    ).rejects.toThrow()
    // two removals of one group place: one wins, the count moves once
    const twice = await Promise.all(
      [1, 2].map(() =>
        call(directory, 'DELETE', `/v1/groups/${gid}/members/${joined}`, { token: t.accessToken }),
      ),
    )
    expect(twice.map((r) => r.status).sort()).toEqual([204, 404])

    // members join the group while they are being removed
    const members = await Promise.all(Array.from({ length: 6 }, () => add(t.accessToken)))
    const results = await Promise.all(
      members.flatMap((m) => [
        call(directory, 'POST', `/v1/groups/${gid}/members`, {
          token: t.accessToken,
          body: { memberIds: [m] },
        }),
        call(directory, 'DELETE', `/v1/members/${m}`, { token: t.accessToken }),
      ]),
    )
    expect(results.filter((_, i) => i % 2 === 1).map((r) => r.status)).toEqual(Array(6).fill(204))
    const listed = (await call(directory, 'GET', `/v1/groups/${gid}/members`, { token: t.accessToken })).body
      .items
    const counted = (await call(directory, 'GET', '/v1/groups', { token: t.accessToken })).body.items[0]
      .memberCount
    expect([listed, counted]).toEqual([[], 0])

    // and members join while the group is being deleted: the group goes with all its places
    const late = await Promise.all(Array.from({ length: 4 }, () => add(t.accessToken)))
    await call(directory, 'POST', `/v1/groups/${gid}/members`, {
      token: t.accessToken,
      body: { memberIds: late.slice(0, 2) },
    })
    const [deleted] = await Promise.all([
      call(directory, 'DELETE', `/v1/groups/${gid}`, { token: t.accessToken }),
      call(directory, 'POST', `/v1/groups/${gid}/members`, {
        token: t.accessToken,
        body: { memberIds: late.slice(2) },
      }),
    ])
    expect(deleted.status).toBe(204)
    for (const m of late) {
      expect(
        (await call(directory, 'GET', `/v1/members/${m}/groups`, { token: t.accessToken })).body.items,
      ).toEqual([])
      expect((await call(directory, 'DELETE', `/v1/members/${m}`, { token: t.accessToken })).status).toBe(204)
    }
  })
})
