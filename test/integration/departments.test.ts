import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { handler as directory } from '../../functions/directory/handler.js'
import { config } from '../../lib/core/config.js'
import { dynamoItemsRead, dynamoRequestCount, getDocumentClient } from '../../lib/core/db/client.js'
import { newId } from '../../lib/core/ids.js'
import { scopeOf } from '../../lib/core/tenancy.js'
import { departmentTree, subtreeIds } from '../../lib/directory/departments.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

type Node = { deptId: string; name: string; children: Node[] }
const flatten = (nodes: Node[]): Node[] => nodes.flatMap((n) => [n, ...flatten(n.children)])

describe('departments', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  const mk = async (token: string, name: string, parentId?: string) => {
    const res = await call(directory, 'POST', '/v1/departments', { token, body: { name, parentId } })
    expect(res.status).toBe(201)
    return res.body.deptId as string
  }

  it('builds a tree, moves a branch, and never under itself or a descendant', async () => {
    const t = await openTenant(platformToken)
    const sales = await mk(t.accessToken, 'Sales')
    const east = await mk(t.accessToken, 'East', sales)
    const shanghai = await mk(t.accessToken, 'Shanghai', east)
    const ops = await mk(t.accessToken, 'Operations')
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body
      .items as Node[]
    expect(tree.map((d) => d.name)).toEqual(['Operations', 'Sales'])
    expect(flatten(tree)).toHaveLength(4)

    for (const parentId of [sales, east, shanghai]) {
      const res = await call(directory, 'POST', `/v1/departments/${sales}/move`, {
        token: t.accessToken,
        body: { parentId },
      })
      expect(res.status).toBe(400)
      expect(res.body.error.details[0].path).toBe('body.parentId')
    }
    expect(
      (
        await call(directory, 'POST', `/v1/departments/${east}/move`, {
          token: t.accessToken,
          body: { parentId: ops },
        })
      ).status,
    ).toBe(204)
    const moved = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body
      .items as Node[]
    const opsNode = moved.find((d) => d.deptId === ops) as Node
    expect(flatten(opsNode.children).map((d) => d.name)).toEqual(['East', 'Shanghai'])
    const unknownParent = await call(directory, 'POST', '/v1/departments', {
      token: t.accessToken,
      body: { name: 'X', parentId: '01nosuchdeptaaaaaaaaaaaaaa' },
    })
    expect(unknownParent.status).toBe(400)
  })

  it('keeps sibling names unique under concurrent creates, renames and moves', async () => {
    const t = await openTenant(platformToken)
    const plant = await mk(t.accessToken, 'Plant 1')
    const office = await mk(t.accessToken, 'Office')
    // 10 concurrent creates of one name (spelled differently): exactly one lands
    const creates = await Promise.all(
      [
        'Assembly',
        'assembly',
        ' ASSEMBLY ',
        'Ａｓｓｅｍｂｌｙ',
        'Assembly',
        'Assembly',
        'assembly',
        'Assembly',
        'Assembly',
        'Assembly',
      ].map((name) =>
        call(directory, 'POST', '/v1/departments', { token: t.accessToken, body: { name, parentId: plant } }),
      ),
    )
    expect(creates.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)])
    const refusal = creates.find((r) => r.status === 409)
    expect(refusal?.body.error).toMatchObject({ code: 'ALREADY_EXISTS', details: [{ path: 'body.name' }] })
    // the same name is fine elsewhere in the tree
    const officeAssembly = await mk(t.accessToken, 'Assembly', office)
    const paint = await mk(t.accessToken, 'Paint', plant)
    const rename = await call(directory, 'PATCH', `/v1/departments/${paint}`, {
      token: t.accessToken,
      body: { name: 'ASSEMBLY' },
    })
    expect(rename.status).toBe(409)
    const move = await call(directory, 'POST', `/v1/departments/${officeAssembly}/move`, {
      token: t.accessToken,
      body: { parentId: plant },
    })
    expect(move.status).toBe(409)
    expect(move.body.error.details[0].path).toBe('body.parentId')
    // renaming to its own name (another case) is not a clash with itself
    const self = await call(directory, 'PATCH', `/v1/departments/${paint}`, {
      token: t.accessToken,
      body: { name: 'PAINT' },
    })
    expect(self.status).toBe(204)
    const slash = await call(directory, 'POST', '/v1/departments', {
      token: t.accessToken,
      body: { name: 'R/D' },
    })
    expect(slash.status).toBe(400)
    expect(slash.body.error.details[0].path).toBe('body.name')
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body
      .items as Node[]
    expect(
      flatten(tree)
        .map((d) => d.name.trim().normalize('NFKC').toLowerCase())
        .sort(),
    ).toEqual(['assembly', 'assembly', 'office', 'paint', 'plant 1']) // whichever spelling won the race
  })

  it("keeps department member counts right when a member's departments are set concurrently", async () => {
    const t = await openTenant(platformToken)
    const depts: string[] = []
    for (const name of ['One', 'Two', 'Three', 'Four']) depts.push(await mk(t.accessToken, name))
    const member = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Mover', email: `mover-${Date.now()}@corp.test` },
    })
    const memberId = member.body.member.memberId
    const sets = await Promise.all(
      depts.map((d) =>
        call(directory, 'PUT', `/v1/members/${memberId}/departments`, {
          token: t.accessToken,
          body: { departmentIds: [d] },
        }),
      ),
    )
    expect(sets.every((r) => r.status === 200)).toBe(true)
    const kept = (await call(directory, 'GET', `/v1/members/${memberId}`, { token: t.accessToken })).body
      .departmentIds
    expect(kept).toHaveLength(1)
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body.items as {
      deptId: string
      memberCount: number
    }[]
    expect(tree.map((d) => [d.deptId, d.memberCount])).toEqual(
      tree.map((d) => [d.deptId, d.deptId === kept[0] ? 1 : 0]),
    )
    // and every other department can be deleted: nothing left behind in them
    for (const d of depts.filter((x) => x !== kept[0])) {
      expect((await call(directory, 'DELETE', `/v1/departments/${d}`, { token: t.accessToken })).status).toBe(
        204,
      )
    }
  })

  it('lets only one of two moves that together would make a cycle apply', async () => {
    const t = await openTenant(platformToken)
    const a = await mk(t.accessToken, 'A')
    const b = await mk(t.accessToken, 'B')
    for (let round = 0; round < 5; round++) {
      const [x, y] = await Promise.all([
        call(directory, 'POST', `/v1/departments/${a}/move`, { token: t.accessToken, body: { parentId: b } }),
        call(directory, 'POST', `/v1/departments/${b}/move`, { token: t.accessToken, body: { parentId: a } }),
      ])
      expect([x.status, y.status].filter((s) => s === 204).length).toBeLessThanOrEqual(1)
      const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body
        .items as Node[]
      expect(flatten(tree)).toHaveLength(2) // both still reachable from the top: no cycle
      await call(directory, 'POST', `/v1/departments/${a}/move`, {
        token: t.accessToken,
        body: { parentId: null },
      })
      await call(directory, 'POST', `/v1/departments/${b}/move`, {
        token: t.accessToken,
        body: { parentId: null },
      })
    }
  })

  it('refuses to delete a department with sub-departments or members, and lists members with sub-departments', async () => {
    const t = await openTenant(platformToken)
    const hq = await mk(t.accessToken, 'HQ')
    const it = await mk(t.accessToken, 'IT', hq)
    const added = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Wang Fang', email: `wang-${Date.now()}@corp.test`, departmentIds: [it] },
    })
    expect(added.body.member.departmentIds).toEqual([it])
    expect((await call(directory, 'DELETE', `/v1/departments/${hq}`, { token: t.accessToken })).status).toBe(
      409,
    )
    expect((await call(directory, 'DELETE', `/v1/departments/${it}`, { token: t.accessToken })).status).toBe(
      409,
    )

    const direct = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { departmentId: hq },
    })
    expect(direct.body.items).toHaveLength(0)
    const withSub = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { departmentId: hq, includeSubDepartments: 'true' },
    })
    expect(withSub.body.items.map((m: { name: string }) => m.name)).toEqual(['Wang Fang'])

    const head = await call(directory, 'PATCH', `/v1/departments/${it}`, {
      token: t.accessToken,
      body: { headId: added.body.member.memberId },
    })
    expect(head.status).toBe(204)
    const notMember = await call(directory, 'PATCH', `/v1/departments/${hq}`, {
      token: t.accessToken,
      body: { headId: added.body.member.memberId },
    })
    expect(notMember.status).toBe(400)

    await call(directory, 'PUT', `/v1/members/${added.body.member.memberId}/departments`, {
      token: t.accessToken,
      body: { departmentIds: [] },
    })
    expect((await call(directory, 'DELETE', `/v1/departments/${it}`, { token: t.accessToken })).status).toBe(
      204,
    )
    expect((await call(directory, 'DELETE', `/v1/departments/${hq}`, { token: t.accessToken })).status).toBe(
      204,
    )
    const unknown = await call(directory, 'PUT', `/v1/members/${added.body.member.memberId}/departments`, {
      token: t.accessToken,
      body: { departmentIds: [hq] },
    })
    expect(unknown.status).toBe(400)
  })

  it('deletes a department with moveTo: its sub-departments and members move first', async () => {
    const t = await openTenant(platformToken)
    const old = await mk(t.accessToken, 'Old')
    const child = await mk(t.accessToken, 'Child', old)
    const target = await mk(t.accessToken, 'Target')
    const added = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Mover', email: `mover-${Date.now()}@corp.test`, departmentIds: [old, target] },
    })
    const intoItself = await call(directory, 'DELETE', `/v1/departments/${old}`, {
      token: t.accessToken,
      query: { moveTo: child },
    })
    expect(intoItself.status).toBe(400)
    expect(intoItself.body.error.details[0].path).toBe('query.moveTo')
    expect(
      (
        await call(directory, 'DELETE', `/v1/departments/${old}`, {
          token: t.accessToken,
          query: { moveTo: target },
        })
      ).status,
    ).toBe(204)
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body
      .items as Node[]
    expect(tree.map((d) => d.name)).toEqual(['Target'])
    expect(tree[0]?.children.map((d) => d.deptId)).toEqual([child])
    const member = await call(directory, 'GET', `/v1/members/${added.body.member.memberId}`, {
      token: t.accessToken,
    })
    expect(member.body.departmentIds).toEqual([target])
  })

  it('reads a 1,000-department tree in a bounded number of requests, and a subtree by its own items only', async () => {
    const t = await openTenant(platformToken)
    const tenantId = t.tenant.tenantId as string
    const ids = Array.from({ length: 1000 }, () => newId())
    const items = ids.map((deptId, i) => ({
      PK: `T#${tenantId}`,
      SK: `DEPT#${deptId}`,
      _et: 'Department',
      tenantId,
      deptId,
      name: `Dept ${i}`,
      parentId: i < 10 ? '' : (ids[Math.floor(i / 10) - 1] as string),
      order: i,
      memberCount: 0,
      // department i has children 10(i+1) … 10(i+1)+9
      ...(10 * (i + 1) < 1000 ? { childIds: new Set(ids.slice(10 * (i + 1), 10 * (i + 1) + 10)) } : {}),
    }))
    for (let i = 0; i < items.length; i += 25) {
      await getDocumentClient().send(
        new BatchWriteCommand({
          RequestItems: {
            [config().ATRIUM_TABLE_NAME]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      )
    }
    const before = dynamoRequestCount()
    const tree = await departmentTree(scopeOf(tenantId))
    const requests = dynamoRequestCount() - before
    expect(flatten(tree as Node[])).toHaveLength(1000)
    expect(requests).toBeLessThanOrEqual(2)

    // A leaf-level branch: department 95 and its ten children (the 1,000 others are not read).
    const branch = ids[95] as string
    const readBefore = dynamoItemsRead()
    const subtree = await subtreeIds(scopeOf(tenantId), branch)
    expect(subtree.sort()).toEqual([branch, ...ids.slice(960, 970)].sort())
    expect(dynamoItemsRead() - readBefore).toBe(11)
    const page = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { departmentId: branch, includeSubDepartments: 'true' },
    })
    expect(page.status).toBe(200)
  })
})
