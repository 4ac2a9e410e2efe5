import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as drive } from '../../functions/drive/handler.js'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { releaseUpload } from '../../lib/drive/uploads.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useTestS3 } from '../support/s3.js'

useTestTable()
useTestS3()

type Tenant = Awaited<ReturnType<typeof openTenant>>
interface Person {
  token: string
  memberId: string
}

const api = (token: string, method: string, path: string, body?: unknown, query?: Record<string, string>) =>
  call(drive, method, path, { token, body, query })

const setQuota = (tenantId: string, bytes: number) =>
  getDocumentClient().send(
    new UpdateCommand({
      TableName: config().ATRIUM_TABLE_NAME,
      Key: { PK: `T#${tenantId}`, SK: 'TENANT' },
      UpdateExpression: 'SET limits.driveBytes = :q',
      ExpressionAttributeValues: { ':q': bytes },
    }),
  )

const member = async (t: Tenant): Promise<Person> => {
  const m = await addPlainMember(t.tenant)
  return { token: (await login(m.identifier, m.password)).accessToken, memberId: m.accountId }
}

/** Starts an upload, sends the bytes where the answer says (one PUT or a PUT per part), completes it. */
const upload = async (
  token: string,
  body: { space: string; parentId?: string; name: string },
  bytes: Uint8Array,
  type = 'text/plain',
) => {
  const started = await api(token, 'POST', '/v1/drive/uploads', {
    ...body,
    size: bytes.length,
    contentType: type,
  })
  if (started.status !== 201) return started
  const u = started.body
  if (u.method === 'single') {
    const put = await fetch(u.url, { method: 'PUT', body: bytes, headers: { 'content-type': type } })
    expect(put.status).toBe(200)
  } else {
    let at = 0
    const parts = []
    for (const p of u.parts) {
      const put = await fetch(p.url, { method: 'PUT', body: bytes.slice(at, at + p.size) })
      expect(put.status).toBe(200)
      parts.push({ partNumber: p.partNumber, etag: put.headers.get('etag') })
      at += p.size
    }
    return api(token, 'POST', `/v1/drive/uploads/${u.uploadId}/complete`, { parts })
  }
  return api(token, 'POST', `/v1/drive/uploads/${u.uploadId}/complete`, {})
}

const download = async (token: string, id: string) => {
  const res = await api(token, 'GET', `/v1/drive/items/${id}/download`)
  if (res.status !== 200) return { status: res.status }
  const got = await fetch(res.body.url)
  return {
    status: 200,
    bytes: new Uint8Array(await got.arrayBuffer()),
    disposition: got.headers.get('content-disposition'),
  }
}

const usage = async (token: string) => (await api(token, 'GET', '/v1/drive/spaces')).body.usage.used as number

describe('the drive', () => {
  let a: Tenant
  let b: Tenant
  let admin: Person
  let m1: Person
  let m2: Person

  beforeAll(async () => {
    const { platformToken } = await platformFixture()
    ;[a, b] = await Promise.all([openTenant(platformToken), openTenant(platformToken)])
    admin = { token: a.accessToken, memberId: '' }
    ;[m1, m2] = await Promise.all([member(a), member(a)])
  })

  it('uploads a file in one PUT and downloads the same bytes under its name', async () => {
    const bytes = new TextEncoder().encode('hello drive')
    const done = await upload(m1.token, { space: 'personal', name: 'Rapport été.txt' }, bytes)
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({
      kind: 'file',
      space: 'personal',
      size: 11,
      version: 1,
      access: 'manage',
    })
    const listed = await api(m1.token, 'GET', '/v1/drive/items', undefined, { space: 'personal' })
    expect(listed.body.items.map((i: { name: string }) => i.name)).toContain('Rapport été.txt')
    const got = await download(m1.token, done.body.id)
    expect(Buffer.from(got.bytes as Uint8Array).toString()).toBe('hello drive')
    expect(got.disposition).toContain(`filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.txt`)
  })

  it('uploads a large file in parts and counts its real size', async () => {
    const size = 8 * 1024 * 1024 + 1000
    const bytes = new Uint8Array(size).map((_, i) => i % 251)
    const before = await usage(m1.token)
    const started = await api(m1.token, 'POST', '/v1/drive/uploads', {
      space: 'personal',
      name: 'big.bin',
      size,
    })
    expect(started.body.method).toBe('multipart')
    expect(started.body.parts).toHaveLength(2)
    const done = await upload(
      m1.token,
      { space: 'personal', name: 'big.bin' },
      bytes,
      'application/octet-stream',
    )
    expect(done.body.size).toBe(size)
    const got = await download(m1.token, done.body.id)
    expect(got.bytes?.length).toBe(size)
    expect(Buffer.compare(Buffer.from(got.bytes as Uint8Array), Buffer.from(bytes))).toBe(0)
    // the first upload was never completed: its reservation still counts until released
    expect(await usage(m1.token)).toBe(before + 2 * size)
    expect(await releaseUpload(a.tenant.tenantId, started.body.uploadId)).toBe('drive-upload-released')
    expect(await usage(m1.token)).toBe(before + size)
  })

  it('keeps folders a tree: moves and renames, never a folder below itself', async () => {
    const folder = async (name: string, parentId?: string) =>
      (await api(admin.token, 'POST', '/v1/drive/folders', { space: 'enterprise', name, parentId })).body
        .id as string
    const x = await folder('X')
    const y = await folder('Y', x)
    const z = await folder('Z', y)
    const cycle = await api(admin.token, 'PATCH', `/v1/drive/items/${x}`, { parentId: z })
    expect(cycle.status).toBe(400)
    expect(cycle.body.error.details[0].path).toBe('body.parentId')
    expect((await api(admin.token, 'PATCH', `/v1/drive/items/${x}`, { parentId: x })).status).toBe(400)
    const moved = await api(admin.token, 'PATCH', `/v1/drive/items/${z}`, { parentId: null, name: 'Z2' })
    expect(moved.body).toMatchObject({ name: 'Z2' })
    expect(moved.body.parentId).toBeUndefined()
    const root = await api(m1.token, 'GET', '/v1/drive/items', undefined, { space: 'enterprise' })
    expect(root.body.items.map((i: { name: string }) => i.name)).toEqual(expect.arrayContaining(['X', 'Z2']))
    expect(root.body.items.every((i: { access: string }) => i.access === 'read')).toBe(true)
    // a member reads the enterprise space but adds nothing to it without drive.write
    expect(
      (await api(m1.token, 'POST', '/v1/drive/folders', { space: 'enterprise', name: 'Mine' })).status,
    ).toBe(403)
    expect((await api(m1.token, 'PATCH', `/v1/drive/items/${x}`, { name: 'Taken' })).status).toBe(403)
  })

  it('trashes a folder with what is in it, restores it, and emptying the trash releases the bytes', async () => {
    const f = (await api(m1.token, 'POST', '/v1/drive/folders', { space: 'personal', name: 'Old' })).body.id
    const file = (
      await upload(m1.token, { space: 'personal', parentId: f, name: 'a.txt' }, new Uint8Array(100))
    ).body
    const used = await usage(m1.token)
    expect((await api(m1.token, 'DELETE', `/v1/drive/items/${f}`)).status).toBe(204)
    expect((await api(m1.token, 'GET', `/v1/drive/items/${file.id}`)).status).toBe(404)
    const trash = await api(m1.token, 'GET', '/v1/drive/trash', undefined, { space: 'personal' })
    expect(trash.body.items.map((i: { id: string }) => i.id)).toEqual([f])
    expect(await usage(m1.token)).toBe(used)
    expect((await api(m1.token, 'POST', `/v1/drive/trash/${f}/restore`)).status).toBe(200)
    expect((await api(m1.token, 'GET', `/v1/drive/items/${file.id}`)).body.parentId).toBe(f)
    await api(m1.token, 'DELETE', `/v1/drive/items/${f}`)
    const emptied = await api(m1.token, 'POST', '/v1/drive/trash/empty', { space: 'personal' })
    expect(emptied.body).toEqual({ purged: 1, more: false })
    expect(await usage(m1.token)).toBe(used - 100)
    expect((await api(m1.token, 'GET', `/v1/drive/items/${file.id}`)).status).toBe(404)
    // a file trashed then deleted for good; a file restored whose folder is gone comes back at the root
    const g = (await api(m1.token, 'POST', '/v1/drive/folders', { space: 'personal', name: 'G' })).body.id
    const h = (await upload(m1.token, { space: 'personal', parentId: g, name: 'h.txt' }, new Uint8Array(5)))
      .body
    await api(m1.token, 'DELETE', `/v1/drive/items/${h.id}`)
    await api(m1.token, 'DELETE', `/v1/drive/items/${g}`)
    expect((await api(m1.token, 'DELETE', `/v1/drive/trash/${g}`)).status).toBe(204)
    const back = await api(m1.token, 'POST', `/v1/drive/trash/${h.id}/restore`)
    expect(back.status).toBe(200)
    expect(back.body.parentId).toBeUndefined()
    await api(m1.token, 'DELETE', `/v1/drive/items/${h.id}`)
    expect((await api(m1.token, 'DELETE', `/v1/drive/trash/${h.id}`)).status).toBe(204)
    expect(await usage(m1.token)).toBe(used - 100)
  })

  it('shares with a member, a department or a group, read or edit; nobody else gets an address', async () => {
    const doc = (
      await upload(m1.token, { space: 'personal', name: 'plan.txt' }, new TextEncoder().encode('plan'))
    ).body
    expect((await api(m2.token, 'GET', `/v1/drive/items/${doc.id}`)).status).toBe(404)
    expect((await download(m2.token, doc.id)).status).toBe(404)
    const share = (shares: unknown[]) => api(m1.token, 'PUT', `/v1/drive/items/${doc.id}/shares`, { shares })
    expect((await share([{ to: { kind: 'member', id: m2.memberId }, access: 'read' }])).status).toBe(200)
    expect((await download(m2.token, doc.id)).status).toBe(200)
    expect(
      (await api(m2.token, 'GET', '/v1/drive/shared')).body.items.map((i: { id: string }) => i.id),
    ).toEqual([doc.id])
    expect((await api(m2.token, 'PATCH', `/v1/drive/items/${doc.id}`, { name: 'mine.txt' })).status).toBe(403)
    expect((await api(m2.token, 'PUT', `/v1/drive/items/${doc.id}/shares`, { shares: [] })).status).toBe(403)
    await share([{ to: { kind: 'member', id: m2.memberId }, access: 'edit' }])
    expect((await api(m2.token, 'PATCH', `/v1/drive/items/${doc.id}`, { name: 'plan v2.txt' })).status).toBe(
      200,
    )

    // a folder shared with a department reaches the files in it
    const dept = (
      await call(directory, 'POST', '/v1/departments', { token: a.accessToken, body: { name: 'Ops' } })
    ).body.deptId
    const placed = await call(directory, 'PUT', `/v1/members/${m2.memberId}/departments`, {
      token: a.accessToken,
      body: { departmentIds: [dept] },
    })
    expect(placed.status).toBe(200)
    const folder = (await api(m1.token, 'POST', '/v1/drive/folders', { space: 'personal', name: 'Ops docs' }))
      .body.id
    const inner = (
      await upload(m1.token, { space: 'personal', parentId: folder, name: 'run.txt' }, new Uint8Array(3))
    ).body
    expect((await download(m2.token, inner.id)).status).toBe(404)
    await api(m1.token, 'PUT', `/v1/drive/items/${folder}/shares`, {
      shares: [{ to: { kind: 'department', id: dept }, access: 'read' }],
    })
    expect((await download(m2.token, inner.id)).status).toBe(200)
    expect((await api(m2.token, 'DELETE', `/v1/drive/items/${inner.id}`)).status).toBe(403)

    // a group share
    const m3 = await member(a)
    const group = (
      await call(directory, 'POST', '/v1/groups', { token: a.accessToken, body: { name: 'Readers' } })
    ).body.groupId
    await call(directory, 'POST', `/v1/groups/${group}/members`, {
      token: a.accessToken,
      body: { memberIds: [m3.memberId] },
    })
    expect((await download(m3.token, inner.id)).status).toBe(404)
    await api(m1.token, 'PUT', `/v1/drive/items/${inner.id}/shares`, {
      shares: [{ to: { kind: 'group', id: group }, access: 'edit' }],
    })
    expect((await download(m3.token, inner.id)).status).toBe(200)
    expect((await api(m3.token, 'PATCH', `/v1/drive/items/${inner.id}`, { name: 'run2.txt' })).status).toBe(
      200,
    )
  })

  it("answers 404 for another tenant's items, and refuses bad input with 400 naming the field", async () => {
    const doc = (await upload(m1.token, { space: 'personal', name: 'x.txt' }, new Uint8Array(1))).body
    for (const [method, path] of [
      ['GET', `/v1/drive/items/${doc.id}`],
      ['GET', `/v1/drive/items/${doc.id}/download`],
      ['DELETE', `/v1/drive/items/${doc.id}`],
      ['POST', `/v1/drive/trash/${doc.id}/restore`],
    ] as const) {
      expect([path, (await api(b.accessToken, method, path)).status]).toEqual([path, 404])
    }
    expect(
      (
        await api(b.accessToken, 'POST', '/v1/drive/folders', {
          space: 'personal',
          parentId: doc.id,
          name: 'n',
        })
      ).status,
    ).toBe(404)
    const bad = await api(m1.token, 'POST', '/v1/drive/uploads', { space: 'personal', name: 'a/b', size: -1 })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body.name',
      'body.size',
    ])
    const badShare = await api(m1.token, 'PUT', `/v1/drive/items/${doc.id}/shares`, {
      shares: [{ to: { kind: 'team', id: 'x' }, access: 'own' }],
    })
    expect(badShare.status).toBe(400)
    expect((await api(m1.token, 'GET', '/v1/drive/items', undefined, {})).body.error.details[0].path).toBe(
      'query.space',
    )
  })

  it('refuses an upload past the quota, saying used, quota and needed; 50 at once never pass it', async () => {
    const { platformToken } = await platformFixture()
    const c = await openTenant(platformToken)
    await setQuota(c.tenant.tenantId, 1000)
    const first = await upload(c.accessToken, { space: 'personal', name: 'a' }, new Uint8Array(600))
    expect(first.status).toBe(200)
    const refused = await api(c.accessToken, 'POST', '/v1/drive/uploads', {
      space: 'personal',
      name: 'b',
      size: 600,
    })
    expect(refused.status).toBe(422)
    expect(refused.body.error).toMatchObject({
      code: 'DRIVE_QUOTA_EXCEEDED',
      details: { used: 600, quota: 1000, needed: 600 },
    })
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api(c.accessToken, 'POST', '/v1/drive/uploads', { space: 'enterprise', name: `p${i}`, size: 10 }),
      ),
    )
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(40)
    expect(statuses.filter((s) => s === 422)).toHaveLength(10)
    expect(await usage(c.accessToken)).toBe(1000)
  }, 60_000)
})
