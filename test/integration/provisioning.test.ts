import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as provisioning } from '../../functions/provisioning/handler.js'
import { accountName } from '../../lib/directory/member-record.js'
import { verifyV1, verifyV2 } from '../../lib/provisioning/kit-sign.js'
import { useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture, registerOAuth2App } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useLocalStreams } from '../support/streams.js'

const table = useTestTable({ stream: true })

// biome-ignore lint/suspicious/noExplicitAny: the provider reads whatever JSON it was sent
type Json = any

/** A provider of the workbench's sync interfaces: records what it receives, answers as told. */
const startProvider = async (accessKey: string, judge?: (path: string, body: Json) => string | undefined) => {
  const received: { path: string; body: Json; signature: string }[] = []
  let answer = { resultCode: '000000', resultMsg: 'success' }
  const server: Server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => {
      raw += c.toString()
    })
    req.on('end', () => {
      const headers = req.headers as IncomingHttpHeaders & Record<string, string>
      const signature = req.url?.startsWith('/produceAPI/v2/')
        ? verifyV2(accessKey, raw, headers, Date.now())
        : verifyV1(accessKey, raw, headers)
      const code = judge?.(req.url ?? '', JSON.parse(raw)) ?? answer.resultCode
      if (code === '000000') received.push({ path: req.url ?? '', body: JSON.parse(raw), signature })
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ resultCode: code, resultMsg: code === '000000' ? 'success' : 'refused' }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    received,
    answer: (code: string) => {
      answer = { resultCode: code, resultMsg: code === '000000' ? 'success' : 'internal error' }
    },
    stop: () => new Promise((r) => server.close(r)),
  }
}

describe('provisioning to an app provider (the workbench sync dialect)', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>
  const { settle, retries } = useLocalStreams(table)
  const accessKey = 'provider-access-key-0123456789'
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 })
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()

  beforeAll(async () => {
    provider = await startProvider(accessKey)
  })
  afterAll(async () => {
    await provider?.stop()
  })

  const interfaceOf = (path: string) => path.split('/').pop()

  it('binds, then follows grants, members and departments, in order, signed, with only the agreed fields', async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const as = (fn: typeof apps, method: string, path: string, body?: unknown) =>
      call(fn, method, path, { token: t.accessToken, body })
    const dept = (await as(directory, 'POST', '/v1/departments', { name: 'Sales' })).body.deptId as string
    const member = async (name: string, departmentIds: string[] = []) =>
      (
        await as(directory, 'POST', '/v1/members', {
          name,
          email: `${name.replace(' ', '.')}-${Date.now()}@corp.test`,
          departmentIds,
        })
      ).body.member.memberId as string
    const [ann, bob] = [await member('Ann Lee', [dept]), await member('Bob Ray')]
    const app = await registerOAuth2App(t.accessToken, 'Provider app', ['email'])
    await as(apps, 'POST', `/v1/apps/${app}/grants`, { members: [ann] })
    await settle()

    const bind = await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
      dialect: 'workbench-v2',
      baseUrl: provider.url,
      accessKey,
      publicKeyPem,
      oaep: 'sha256',
    })
    expect(bind.status).toBe(200)
    expect(bind.body).toMatchObject({ dialect: 'workbench-v2', secretHint: '…6789' })
    expect(JSON.stringify(bind.body)).not.toContain(accessKey)
    await settle()

    expect(provider.received.map((r) => [interfaceOf(r.path), r.body.flag, r.signature])).toEqual([
      ['tenantSync', 1, 'valid'],
      ['applicationSync', 1, 'valid'],
      ['allOrgSync', undefined, 'valid'],
      ['authSync', 1, 'valid'],
    ])
    const [tenantSync, applicationSync, allOrgSync, authSync] = provider.received.map((r) => r.body)
    expect(provider.received.every((r) => r.path.startsWith('/produceAPI/v2/'))).toBe(true)
    expect(tenantSync).toMatchObject({ tenantId: t.tenant.tenantId, tenantCode: t.tenant.code, testFlag: 0 })
    expect(tenantSync.domainName).toMatch(new RegExp(`/t/${t.tenant.code}$`))
    // the sealed secret opens only with the provider's key, and it is the app's client secret
    const secret = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(applicationSync.clientSecret, 'base64'),
    ).toString()
    expect(applicationSync.appId).toBe(app)
    expect(secret.length).toBeGreaterThan(20)
    expect(allOrgSync.orgInfoList).toEqual(
      expect.arrayContaining([{ orgCode: dept, orgName: 'Sales', parentCode: '' }]),
    )
    // exactly the agreed fields: e-mail was asked for but not approved, so it is not there
    expect(authSync.userList).toEqual([
      {
        userName: accountName(t.tenant.tenantId, ann),
        name: 'Ann Lee',
        orgCode: dept,
        role: 'user',
        enable: 'true',
        extension: {},
      },
    ])

    provider.received.length = 0
    await as(apps, 'POST', `/v1/apps/${app}/grants`, { members: [bob] })
    await settle()
    await as(directory, 'POST', `/v1/members/${bob}/disable`)
    await settle()
    await as(directory, 'PATCH', `/v1/departments/${dept}`, { name: 'Sales & Support' })
    await settle()
    const grants = (await as(apps, 'GET', `/v1/apps/${app}/grants`)).body.items as {
      grantId: string
      members?: string[]
    }[]
    for (const g of grants) await as(apps, 'DELETE', `/v1/apps/${app}/grants/${g.grantId}`)
    await settle()
    const seen = provider.received.map((r) => [
      interfaceOf(r.path),
      r.body.flag,
      ...(r.body.userList ?? []).map(
        (u: Json) => `${u.userName === accountName(t.tenant.tenantId, bob) ? 'bob' : 'ann'}:${u.enable}`,
      ),
      ...(r.body.orgName ? [r.body.orgName] : []),
    ])
    expect(seen.slice(0, 3)).toEqual([
      ['authSync', 1, 'bob:true'],
      ['authSync', 2, 'bob:false'],
      ['singleOrgSync', 2, 'Sales & Support'],
    ])
    // both revoked (flag 3 in v2), whatever order the grants went in
    expect(
      seen
        .slice(3)
        .flatMap(([, flag, ...users]) => users.map((u) => `${flag} ${u}`))
        .sort(),
    ).toEqual(['3 ann:false', '3 bob:false'])

    // the admin rotates the secret: the provider gets the new one, sealed, and it is the one shown
    provider.received.length = 0
    const rotated = await as(apps, 'POST', `/v1/apps/${app}/secret`)
    await settle()
    expect(provider.received.map((r) => [interfaceOf(r.path), r.body.flag])).toEqual([['applicationSync', 2]])
    const resealed = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(provider.received[0]?.body.clientSecret, 'base64'),
    ).toString()
    expect(resealed).toBe(rotated.body.clientSecret)
  })

  it('holds later changes behind a failing delivery, retries, and sends them in order once the provider is back', async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const as = (fn: typeof apps, method: string, path: string, body?: unknown) =>
      call(fn, method, path, { token: t.accessToken, body })
    const app = await registerOAuth2App(t.accessToken, 'Flaky provider app')
    await as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
      dialect: 'workbench-v2',
      baseUrl: provider.url,
      accessKey,
      publicKeyPem,
    })
    await settle()
    provider.received.length = 0
    provider.answer('000005')
    await as(directory, 'POST', '/v1/departments', { name: 'First' })
    await settle()
    await as(directory, 'POST', '/v1/departments', { name: 'Second' })
    await settle()
    const failing = await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)
    expect(failing.body).toMatchObject({
      state: 'failing',
      attempts: 1,
      queued: 2,
      lastError: { code: '000005' },
    })
    expect(provider.received).toEqual([])

    provider.answer('000000')
    const retried = await as(provisioning, 'POST', `/v1/apps/${app}/provisioning/retry`)
    expect(retried.status).toBe(202)
    // due now: the sender's next minute takes it
    await retries()
    await settle()
    expect(provider.received.map((r) => r.body.orgName)).toEqual(['First', 'Second'])
    const done = await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)
    expect(done.body).toMatchObject({ state: 'idle', attempts: 0, queued: 0 })
    expect(done.body.lastError).toBeUndefined()
  })

  it('refuses bad settings naming the field, and keeps one tenant out of another', async () => {
    const { platformToken } = await platformFixture()
    const [t, other] = [await openTenant(platformToken), await openTenant(platformToken)]
    const app = (
      await call(apps, 'POST', '/v1/apps', {
        token: t.accessToken,
        body: {
          name: 'P',
          protocol: 'oauth2',
          clientTypes: ['web'],
          redirectUris: ['https://p.example.test/cb'],
        },
      })
    ).body.appId as string
    const put = (body: unknown, token = t.accessToken) =>
      call(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, { token, body })
    const fieldsOf = async (body: unknown) => {
      const res = await put(body)
      expect(res.status).toBe(400)
      return res.body.error.details.map((d: { path: string }) => d.path)
    }
    const base = {
      dialect: 'workbench-v2',
      baseUrl: 'https://provider.example.test',
      accessKey,
      publicKeyPem,
    }
    expect(await fieldsOf({ ...base, baseUrl: 'http://provider.example.test' })).toContain('body.baseUrl')
    expect(await fieldsOf({ ...base, baseUrl: 'https://10.0.0.8' })).toContain('body.baseUrl')
    expect(await fieldsOf({ ...base, baseUrl: 'https://provider.example.test:8443' })).toContain(
      'body.baseUrl',
    )
    expect(await fieldsOf({ ...base, accessKey: 'short' })).toContain('body.accessKey')
    const weak = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    expect(await fieldsOf({ ...base, publicKeyPem: weak.toString() })).toContain('body.publicKeyPem')
    expect(await fieldsOf({ ...base, dialect: 'ftp' })).toContain('body.dialect')
    expect(await fieldsOf({ dialect: 'workbench-v2' })).toEqual(
      expect.arrayContaining(['body.baseUrl', 'body.accessKey', 'body.publicKeyPem']),
    )
    // another tenant's admin: the app does not exist for them
    expect((await put(base, other.accessToken)).status).toBe(404)
    for (const path of ['', '/status']) {
      const res = await call(provisioning, 'GET', `/v1/apps/${app}/provisioning${path}`, {
        token: other.accessToken,
      })
      expect(res.status).toBe(404)
    }
    expect(
      (await call(provisioning, 'POST', `/v1/apps/${app}/provisioning/resync`, { token: other.accessToken }))
        .status,
    ).toBe(404)
  })

  it("speaks v1 to an older app, and a provider bound for one tenant never hears of another's", async () => {
    const { platformToken } = await platformFixture()
    const [one, two] = [await openTenant(platformToken), await openTenant(platformToken)]
    const other = await startProvider(accessKey)
    try {
      const bindApp = async (t: typeof one, dialect: string, url: string) => {
        const as = (fn: typeof apps, method: string, path: string, body?: unknown) =>
          call(fn, method, path, { token: t.accessToken, body })
        const appId = await registerOAuth2App(t.accessToken, 'Older app')
        const member = (
          await as(directory, 'POST', '/v1/members', {
            name: 'Cy Doe',
            email: `cy-${Date.now()}-${dialect}@corp.test`,
          })
        ).body.member.memberId as string
        await as(apps, 'POST', `/v1/apps/${appId}/grants`, { members: [member] })
        const bound = await as(provisioning, 'PUT', `/v1/apps/${appId}/provisioning`, {
          dialect,
          baseUrl: url,
          accessKey,
          publicKeyPem,
        })
        expect(bound.status).toBe(200)
      }
      provider.received.length = 0
      await bindApp(one, 'workbench-v1', provider.url)
      await bindApp(two, 'workbench-v2', other.url)
      await settle()
      expect(provider.received.map((r) => [r.path, r.signature])).toEqual([
        ['/produceAPI/tenantSync', 'valid'],
        ['/produceAPI/applicationSync', 'valid'],
        ['/produceAPI/allOrgSync', 'valid'],
        ['/produceAPI/authSync', 'valid'],
      ])
      const v1Users = provider.received[3]?.body.userList
      expect(typeof v1Users).toBe('string')
      expect(JSON.parse(v1Users)).toHaveLength(1)
      expect(typeof provider.received[2]?.body.orgInfo).toBe('string')
      // each provider hears of its own tenant only
      expect(new Set(provider.received.map((r) => r.body.tenantId))).toEqual(new Set([one.tenant.tenantId]))
      expect(new Set(other.received.map((r) => r.body.tenantId))).toEqual(new Set([two.tenant.tenantId]))
      expect(other.received).toHaveLength(4)
    } finally {
      await other.stop()
    }
  })

  it('tests the connection with test data, and finds the OAEP profile the provider opens', async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    // this provider decrypts with SHA-256 and MGF1-SHA-256 only, not the default profile
    const opens = (body: Json) => {
      try {
        privateDecrypt(
          { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
          Buffer.from(body.clientSecret, 'base64'),
        )
        return true
      } catch {
        return false
      }
    }
    const picky = await startProvider(accessKey, (path, body) =>
      path.endsWith('/applicationSync') && !opens(body) ? '000101' : undefined,
    )
    try {
      const app = (
        await call(apps, 'POST', '/v1/apps', {
          token: t.accessToken,
          body: {
            name: 'Picky',
            protocol: 'oauth2',
            clientTypes: ['web'],
            redirectUris: ['https://p.example.test/cb'],
          },
        })
      ).body.appId as string
      await call(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
        token: t.accessToken,
        body: { dialect: 'workbench-v2', baseUrl: picky.url, accessKey, publicKeyPem },
      })
      await settle()
      picky.received.length = 0
      const tested = await call(provisioning, 'POST', `/v1/apps/${app}/provisioning/test`, {
        token: t.accessToken,
      })
      expect(tested.status).toBe(200)
      expect(tested.body).toMatchObject({
        tenantSync: { ok: true, code: '000000' },
        applicationSync: { ok: true },
        workingOaep: 'sha256',
      })
      // test data only: no instance, testFlag 1
      expect(
        picky.received.map((r) => [r.path.split('/').pop(), r.body.testFlag, r.body.instanceId]),
      ).toEqual([
        ['tenantSync', 1, ''],
        ['applicationSync', 1, ''],
      ])
      const other = await openTenant(platformToken)
      const foreign = await call(provisioning, 'POST', `/v1/apps/${app}/provisioning/test`, {
        token: other.accessToken,
      })
      expect(foreign.status).toBe(404)
    } finally {
      await picky.stop()
    }
  })

  it('sends nothing more to an old endpoint, and tells the provider when the app is deleted', async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const as = (fn: typeof apps, method: string, path: string, body?: unknown) =>
      call(fn, method, path, { token: t.accessToken, body })
    const next = await startProvider(accessKey)
    try {
      const app = await registerOAuth2App(t.accessToken, 'Moving app')
      const bind = (url: string) =>
        as(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
          dialect: 'workbench-v2',
          baseUrl: url,
          accessKey,
          publicKeyPem,
        })
      await bind(provider.url)
      await settle()
      // the old endpoint is down: a department change waits behind it
      provider.answer('000005')
      await as(directory, 'POST', '/v1/departments', { name: 'Queued for the old one' })
      await settle()
      expect((await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)).body).toMatchObject({
        state: 'failing',
        queued: 1,
      })
      provider.answer('000000')
      provider.received.length = 0
      expect((await bind(next.url)).status).toBe(200)
      await as(provisioning, 'POST', `/v1/apps/${app}/provisioning/retry`).catch(() => undefined)
      await retries()
      await settle()
      // what was queued for the old endpoint is dropped, not sent to either
      expect([provider.received, next.received]).toEqual([[], []])
      expect((await as(provisioning, 'GET', `/v1/apps/${app}/provisioning/status`)).body).toMatchObject({
        queued: 0,
      })
      // the admin resyncs to the new one
      await as(provisioning, 'POST', `/v1/apps/${app}/provisioning/resync`)
      await settle()
      expect(next.received.map((r) => interfaceOf(r.path))).toEqual([
        'tenantSync',
        'applicationSync',
        'allOrgSync',
      ])

      next.received.length = 0
      expect((await as(apps, 'DELETE', `/v1/apps/${app}`)).status).toBe(204)
      await settle()
      expect(next.received.map((r) => [interfaceOf(r.path), r.body.flag])).toEqual([
        ['applicationSync', 0],
        ['tenantSync', 0],
      ])
    } finally {
      await next.stop()
    }
  })

  it('binds once under 20 concurrent first bindings: the others are told of the conflict, none fails', async () => {
    const { platformToken } = await platformFixture()
    const t = await openTenant(platformToken)
    const app = (
      await call(apps, 'POST', '/v1/apps', {
        token: t.accessToken,
        body: {
          name: 'Raced',
          protocol: 'oauth2',
          clientTypes: ['web'],
          redirectUris: ['https://r.example.test/cb'],
        },
      })
    ).body.appId as string
    provider.received.length = 0
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(provisioning, 'PUT', `/v1/apps/${app}/provisioning`, {
          token: t.accessToken,
          body: { dialect: 'workbench-v2', baseUrl: provider.url, accessKey, publicKeyPem },
        }),
      ),
    )
    const statuses = answers.map((a) => a.status)
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([])
    expect(statuses).toContain(200)
    await settle()
    const binds = provider.received.filter(
      (r) => r.body.tenantId === t.tenant.tenantId && interfaceOf(r.path) === 'tenantSync',
    )
    expect(binds).toHaveLength(1)
  })
})
