import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as provisioning } from '../../functions/provisioning/handler.js'
import { accountName } from '../../lib/directory/member-record.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture, registerOAuth2App } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useLocalStreams } from '../support/streams.js'

const table = useTestTable({ stream: true })

// biome-ignore lint/suspicious/noExplicitAny: the server keeps whatever JSON it was sent
type Json = any

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'

interface Call {
  method: string
  path: string
  ifMatch?: string
  contentType?: string
  body?: Json
}

/**
 * A small SCIM 2.0 server (RFC 7644): its configuration, Users found by a userName filter, created,
 * patched and replaced, with ETags; switches make it refuse PATCH (501), refuse
 * `application/scim+json` (415), answer 429 a number of times, or keep no ETags.
 */
const startScim = async (token: string) => {
  const users = new Map<string, Json>()
  const calls: Call[] = []
  const switches = {
    etag: true,
    patch: true,
    tooMany: 0,
    jsonOnly: false,
    staleOnce: false,
    /** what /ServiceProviderConfig says: all it does, that PATCH is unsupported, or 404 */
    config: 'full' as 'full' | 'no-patch' | 'absent',
    /** the next look-up finds nobody (as if the user were created just after it) */
    blindOnce: false,
  }
  const send = (res: import('node:http').ServerResponse, status: number, body?: Json) => {
    res.statusCode = status
    res.setHeader('content-type', 'application/scim+json')
    if (body?.meta?.version) res.setHeader('etag', body.meta.version)
    res.end(body === undefined ? undefined : JSON.stringify(body))
  }
  const problem = (status: number, detail: string, scimType?: string) => ({
    schemas: [ERROR],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  })
  const stored = (u: Json) => {
    u.meta = { resourceType: 'User', version: switches.etag ? `W/"${randomUUID()}"` : undefined }
    return u
  }
  const setPath = (u: Json, op: Json) => {
    const [head, ...rest] = op.path.startsWith(`${ENTERPRISE}:`)
      ? [ENTERPRISE, op.path.slice(ENTERPRISE.length + 1)]
      : op.path.split('.')
    let target = u
    const keys = [head, ...rest]
    for (const k of keys.slice(0, -1)) target = target[k] ??= {}
    const last = keys.at(-1)
    if (op.op === 'remove') delete target[last]
    else target[last] = op.value
  }
  const server: Server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => {
      raw += c.toString()
    })
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://scim')
      const body = raw ? JSON.parse(raw) : undefined
      calls.push({
        method: req.method ?? '',
        path: `${url.pathname}${url.search}`,
        ifMatch: req.headers['if-match'],
        contentType: req.headers['content-type'],
        body,
      })
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, problem(401, 'no'))
      if (url.pathname === '/scim/v2/ServiceProviderConfig') {
        if (switches.config === 'absent') return send(res, 404, problem(404, 'not here'))
        return send(res, 200, {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
          patch: { supported: switches.config === 'full' },
          filter: { supported: true, maxResults: 200 },
          etag: { supported: switches.etag },
          bulk: { supported: false },
        })
      }
      if (switches.tooMany > 0) {
        switches.tooMany--
        return send(res, 429, problem(429, 'too many requests'))
      }
      if (raw && switches.jsonOnly && req.headers['content-type'] !== 'application/json')
        return send(res, 415, problem(415, 'application/json only'))
      const id = /^\/scim\/v2\/Users\/([^/]+)$/.exec(url.pathname)?.[1]
      const user = id ? users.get(decodeURIComponent(id)) : undefined
      if (req.method === 'GET' && url.pathname === '/scim/v2/Users') {
        const filter = /^userName eq (".*")$/.exec(url.searchParams.get('filter') ?? '')
        if (!filter?.[1]) return send(res, 400, problem(400, 'bad filter', 'invalidFilter'))
        const name = (JSON.parse(filter[1]) as string).toLowerCase()
        const found = switches.blindOnce
          ? []
          : [...users.values()].filter((u) => u.userName.toLowerCase() === name)
        switches.blindOnce = false
        return send(res, 200, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
          totalResults: found.length,
          Resources: found,
        })
      }
      if (req.method === 'POST' && url.pathname === '/scim/v2/Users') {
        if ([...users.values()].some((u) => u.userName === body.userName))
          return send(res, 409, problem(409, `${body.userName} exists`, 'uniqueness'))
        const created = stored({ ...body, id: randomUUID() })
        users.set(created.id, created)
        return send(res, 201, created)
      }
      if (!user) return send(res, 404, problem(404, 'no such user'))
      if (req.method === 'GET') return send(res, 200, user)
      if (switches.staleOnce && req.headers['if-match']) {
        // someone else changed the user between the client's read and its write
        switches.staleOnce = false
        stored(user)
      }
      if (switches.etag && req.headers['if-match'] && req.headers['if-match'] !== user.meta.version)
        return send(res, 412, problem(412, 'changed meanwhile'))
      if (req.method === 'PATCH') {
        if (!switches.patch) return send(res, 501, problem(501, 'PATCH is not implemented'))
        for (const op of body.Operations) setPath(user, op)
        return send(res, 200, stored(user))
      }
      if (req.method === 'PUT') {
        const replaced = stored({ ...body, id: user.id })
        users.set(user.id, replaced)
        return send(res, 200, replaced)
      }
      send(res, 405, problem(405, 'no'))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}/scim/v2`,
    users,
    calls,
    switches,
    /** the calls that change something, as `METHOD path-kind` */
    writes: () =>
      calls
        .filter((c) => c.method !== 'GET')
        .map(
          (c) => `${c.method} ${c.path.replace(/\/Users\/.+$/, '/Users/{id}').replace(/^\/scim\/v2/, '')}`,
        ),
    stop: () => new Promise((r) => server.close(r)),
  }
}

describe('provisioning to a SCIM 2.0 service', () => {
  let scim: Awaited<ReturnType<typeof startScim>>
  const { settle, retries } = useLocalStreams(table)
  const bearerToken = 'scim-bearer-token-0123456789'

  beforeAll(async () => {
    scim = await startScim(bearerToken)
  })
  afterAll(async () => {
    await scim?.stop()
  })

  const tenantWithApp = async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const as = (fn: typeof apps, method: string, path: string, body?: unknown) =>
      call(fn, method, path, { token: t.accessToken, body })
    const app = await registerOAuth2App(t.accessToken, 'SCIM app', ['email'])
    const member = async (name: string, departmentIds: string[] = []) =>
      (
        await as(directory, 'POST', '/v1/members', {
          name,
          email: `${name.replace(' ', '.').toLowerCase()}-${Date.now()}@corp.test`,
          departmentIds,
        })
      ).body.member.memberId as string
    return { t, as, app, member }
  }

  it('creates each entitled member once, patches changes (If-Match), falls back to PUT, deactivates on revoke, with only the agreed fields', async () => {
    const { t, as, app, member } = await tenantWithApp()
    const dept = (await as(directory, 'POST', '/v1/departments', { name: 'Sales' })).body.deptId as string
    const ann = await member('Ann Lee', [dept])
    await as(apps, 'POST', `/v1/apps/${app}/grants`, { members: [ann] })
    await settle()

    const bind = await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
      dialect: 'scim',
      baseUrl: `${scim.url}/`,
      bearerToken,
    })
    expect(bind.status).toBe(200)
    expect(bind.body).toMatchObject({ dialect: 'scim', baseUrl: scim.url, secretHint: '…6789' })
    expect(bind.body.publicKeyPem).toBeUndefined()
    expect(bind.body.oaep).toBeUndefined()
    expect(JSON.stringify(bind.body)).not.toContain(bearerToken)
    await settle()

    const userName = accountName(t.tenant.tenantId, ann)
    expect(scim.writes()).toEqual(['POST /Users'])
    const lookUp = scim.calls.find((c) => c.path.startsWith('/scim/v2/Users?'))
    expect(new URL(lookUp?.path ?? '', 'http://x').searchParams.get('filter')).toBe(
      `userName eq "${userName}"`,
    )
    expect(scim.calls[0]?.path).toBe('/scim/v2/ServiceProviderConfig')
    expect(scim.calls.find((c) => c.method === 'POST')?.contentType).toBe('application/scim+json')
    const [created] = [...scim.users.values()]
    // exactly the agreed fields: e-mail was asked for but not approved, so there are no emails
    const { id, meta, ...sent } = created
    expect(sent).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName,
      externalId: userName,
      name: { formatted: 'Ann Lee' },
      displayName: 'Ann Lee',
      active: true,
      [ENTERPRISE]: { department: dept },
    })
    expect(JSON.stringify(created)).not.toContain(ann)

    // a resync looks up before it creates: still one user, brought up to date by a PATCH
    scim.calls.length = 0
    await as(provisioning, 'POST', `/v1/apps/${app}/provisioning/resync`)
    await settle()
    expect(scim.users.size).toBe(1)
    expect(scim.writes()).toEqual(['PATCH /Users/{id}'])

    // a change: PATCH, with the version the server gave as If-Match; changed meanwhile (412): read
    // again, and once more with the new version
    scim.calls.length = 0
    const version = scim.users.get(id).meta.version
    scim.switches.staleOnce = true
    await as(directory, 'POST', `/v1/members/${ann}/disable`)
    await settle()
    expect(scim.calls.map((c) => `${c.method} ${c.path.startsWith('/scim/v2/Users/') ? 'id' : ''}`)).toEqual([
      'GET ',
      'GET ',
      'PATCH id',
      'GET id',
      'PATCH id',
    ])
    const [stale, patch] = scim.calls.filter((c) => c.method === 'PATCH')
    expect(stale?.ifMatch).toBe(version)
    expect(patch?.ifMatch).toMatch(/^W\/"/)
    expect(patch?.ifMatch).not.toBe(version)
    expect(patch?.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:PatchOp'])
    expect(patch?.body.Operations).toContainEqual({ op: 'replace', path: 'active', value: false })
    expect(scim.users.get(id).active).toBe(false)

    // the tenant approves the e-mail: the app now receives it, and loses it when withdrawn
    await as(apps, 'PUT', `/v1/apps/${app}/user-data`, { fields: ['email'] })
    await settle()
    expect(scim.users.get(id).emails).toEqual([
      { value: expect.stringMatching(/^ann\.lee-\d+@corp\.test$/), type: 'work', primary: true },
    ])
    await as(apps, 'PUT', `/v1/apps/${app}/user-data`, { fields: [] })
    await settle()
    expect(scim.users.get(id).emails).toBeUndefined()

    // a server without PATCH: 501, then a full PUT (without ETags, without If-Match)
    scim.switches.patch = false
    scim.switches.etag = false
    scim.calls.length = 0
    await as(directory, 'PATCH', `/v1/members/${ann}`, { name: 'Ann Smith' })
    await as(directory, 'POST', `/v1/members/${ann}/enable`)
    await settle()
    expect(scim.writes().filter((w) => w !== 'PATCH /Users/{id}')).toEqual(
      expect.arrayContaining(['PUT /Users/{id}']),
    )
    expect(scim.calls.every((c) => c.ifMatch === undefined)).toBe(true)
    expect(scim.users.get(id)).toMatchObject({ displayName: 'Ann Smith', active: true, userName })
    expect(scim.users.get(id).emails).toBeUndefined()
    scim.switches.patch = true
    scim.switches.etag = true

    // revoked: deactivated, never deleted
    scim.calls.length = 0
    const grants = (await as(apps, 'GET', `/v1/apps/${app}/grants`)).body.items as { grantId: string }[]
    for (const g of grants) await as(apps, 'DELETE', `/v1/apps/${app}/grants/${g.grantId}`)
    await settle()
    expect(scim.writes()).toEqual(['PATCH /Users/{id}'])
    expect(scim.calls.find((c) => c.method === 'PATCH')?.body.Operations).toEqual([
      { op: 'replace', path: 'active', value: false },
    ])
    expect(scim.users.size).toBe(1)
    expect(scim.users.get(id).active).toBe(false)
    const status = await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)
    expect(status.body).toMatchObject({ dialect: 'scim', state: 'idle', queued: 0 })
  })

  it('fails on 429 and succeeds on the retry; speaks application/json to a server that wants it', async () => {
    const { as, app, member } = await tenantWithApp()
    const cy = await member('Cy Doe')
    await as(apps, 'POST', `/v1/apps/${app}/grants`, { members: [cy] })
    await settle()
    const before = scim.users.size
    scim.switches.tooMany = 1
    scim.switches.jsonOnly = true
    try {
      await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
        dialect: 'scim',
        baseUrl: scim.url,
        bearerToken,
      })
      await settle()
      const failing = await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)
      expect(failing.body).toMatchObject({
        state: 'failing',
        attempts: 1,
        queued: 1,
        lastError: { httpStatus: 429, code: '429' },
      })
      expect(failing.body.lastError.message).toContain('too many requests')
      expect(scim.users.size).toBe(before)

      const retried = await as(provisioning, 'POST', `/v1/apps/${app}/provisioning/retry`)
      expect(retried.status).toBe(202)
      scim.calls.length = 0
      await retries()
      await settle()
      expect(scim.users.size).toBe(before + 1)
      // refused as application/scim+json (415), then sent as application/json
      expect(scim.calls.filter((c) => c.method === 'POST').map((c) => c.contentType)).toEqual([
        'application/scim+json',
        'application/json',
      ])
      const done = await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)
      expect(done.body).toMatchObject({ state: 'idle', attempts: 0, queued: 0 })
      expect(done.body.lastError).toBeUndefined()
    } finally {
      scim.switches.tooMany = 0
      scim.switches.jsonOnly = false
    }
  })

  it("follows the server's configuration (no PATCH: PUT; none: PATCH without ETags), links on 409, and is done with a user already gone", async () => {
    const { t, as, app, member } = await tenantWithApp()
    const dee = await member('Dee Ng')
    await as(apps, 'POST', `/v1/apps/${app}/grants`, { members: [dee] })
    await settle()
    const userName = accountName(t.tenant.tenantId, dee)
    const mine = () => [...scim.users.values()].filter((u) => u.userName === userName)
    try {
      scim.switches.config = 'no-patch'
      scim.calls.length = 0
      await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
        dialect: 'scim',
        baseUrl: scim.url,
        bearerToken,
      })
      await settle()
      await as(directory, 'PATCH', `/v1/members/${dee}`, { name: 'Dee Ong' })
      await settle()
      // the configuration says no PATCH: straight to PUT
      expect(scim.writes()).toEqual(['POST /Users', 'PUT /Users/{id}'])
      expect(mine()).toEqual([expect.objectContaining({ displayName: 'Dee Ong', active: true })])

      // no configuration: PATCH, and no If-Match (ETags are not assumed)
      scim.switches.config = 'absent'
      scim.calls.length = 0
      await as(directory, 'PATCH', `/v1/members/${dee}`, { name: 'Dee Ng' })
      await settle()
      expect(scim.writes()).toEqual(['PATCH /Users/{id}'])
      expect(scim.calls.find((c) => c.method === 'PATCH')?.ifMatch).toBeUndefined()

      // created meanwhile: the create answers 409, the user is looked up again and updated
      scim.switches.config = 'full'
      scim.switches.blindOnce = true
      scim.calls.length = 0
      await as(provisioning, 'POST', `/v1/apps/${app}/provisioning/resync`)
      await settle()
      expect(scim.writes()).toEqual(['POST /Users', 'PATCH /Users/{id}'])
      expect(mine()).toHaveLength(1)

      // gone from the server already: a revocation has nothing left to do
      const id = mine()[0]?.id
      scim.users.delete(id)
      scim.calls.length = 0
      const grants = (await as(apps, 'GET', `/v1/apps/${app}/grants`)).body.items as { grantId: string }[]
      for (const g of grants) await as(apps, 'DELETE', `/v1/apps/${app}/grants/${g.grantId}`)
      await settle()
      expect(scim.writes()).toEqual([])
      const status = await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)
      expect(status.body).toMatchObject({ state: 'idle', queued: 0 })
    } finally {
      scim.switches.config = 'full'
      scim.switches.blindOnce = false
    }
  })

  it('refuses bad settings naming the field, and keeps one tenant out of another', async () => {
    const { platformToken } = await platformFixture()
    const other = await openTenant(platformToken)
    const { as, app } = await tenantWithApp()
    const fieldsOf = async (body: unknown) => {
      const res = await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, body)
      expect(res.status).toBe(400)
      return res.body.error.details.map((d: { path: string }) => d.path)
    }
    const base = { dialect: 'scim', baseUrl: 'https://idp.example.test/scim/v2', bearerToken }
    expect(await fieldsOf({ dialect: 'scim', baseUrl: base.baseUrl })).toEqual(['body.bearerToken'])
    expect(await fieldsOf({ ...base, bearerToken: 'short' })).toContain('body.bearerToken')
    expect(await fieldsOf({ ...base, baseUrl: 'http://idp.example.test/scim/v2' })).toContain('body.baseUrl')
    expect(await fieldsOf({ ...base, baseUrl: 'https://10.0.0.8/scim/v2' })).toContain('body.baseUrl')
    expect(await fieldsOf({ dialect: 'scim', bearerToken })).toEqual(['body.baseUrl'])
    expect(await fieldsOf({ ...base, accessKey: 'an-access-key' })).toEqual(['body.accessKey'])
    expect(
      await fieldsOf({
        dialect: 'workbench-v2',
        baseUrl: base.baseUrl,
        accessKey: 'an-access-key',
        bearerToken,
      }),
    ).toContain('body.bearerToken')
    // bound: the token is kept for the same base URL, and asked again for a new one (it is sent as is)
    expect((await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, base)).status).toBe(200)
    expect((await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, { dialect: 'scim' })).status).toBe(
      200,
    )
    expect(await fieldsOf({ dialect: 'scim', baseUrl: 'https://elsewhere.example.test/scim/v2' })).toEqual([
      'body.bearerToken',
    ])
    expect(await fieldsOf({ dialect: 'workbench-v2', baseUrl: base.baseUrl, publicKeyPem: 'x' })).toContain(
      'body.accessKey',
    )
    // another tenant's admin: the app does not exist for them
    const put = await call(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
      token: other.accessToken,
      body: base,
    })
    expect(put.status).toBe(404)
    const status = await call(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`, {
      token: other.accessToken,
    })
    expect(status.status).toBe(404)
    // and nothing changed
    expect((await as(provisioning, 'GET', `/v1/apps/${app}/provisioning`)).body).toMatchObject({
      appId: app,
      dialect: 'scim',
      baseUrl: base.baseUrl,
      secretHint: '…6789',
    })
  })
})
