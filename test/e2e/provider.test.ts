import { handler as directory } from '../../functions/directory/handler.js'
import { encryptClientSecret, readProviderPublicKey } from '../../lib/provisioning/client-secret.js'
import { applicationSyncBody, tenantSyncBody } from '../../lib/provisioning/kit-bodies.js'
import { checkBodySign } from '../../lib/provisioning/kit-response.js'
import { signV1, signV2 } from '../../lib/provisioning/kit-sign.js'
import { type Wiring, wireProvider } from '../../scripts/local/provider/wiring.js'
import { type RunningProvider, startProvider } from '../../scripts/local/provider.js'
import { browser } from '../support/browser.js'
import { activate, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { startOffline, type TestApi } from '../support/offline.js'

describe('the stand-in provider (npm run provider): grant → sync → sign-in by SSO, over HTTP', () => {
  let api: TestApi
  let provider: RunningProvider
  let admin: Awaited<ReturnType<typeof openTenant>>
  let wiring: Wiring
  const member = { email: `provider-${Date.now()}@corp.test`, password: 'Member-password-1' }

  beforeAll(async () => {
    api = await startOffline({}, { stream: true })
    const { platformToken } = await platformFixture()
    admin = await openTenant(platformToken)
    const added = await call(directory, 'POST', '/v1/members', {
      token: admin.accessToken,
      body: { name: 'Pat <Provider>', email: member.email },
    })
    const first = await login(member.email, added.body.initialPassword)
    await activate(first.accessToken, member.email, added.body.initialPassword, member.password)
    provider = await startProvider()
  }, 240_000)

  afterAll(async () => {
    await provider?.stop()
    await api?.stop()
  })

  const status = async () => {
    const res = await fetch(`${api.baseUrl}/v1/apps/${wiring.appId}/provisioning/status`, {
      headers: { authorization: `Bearer ${wiring.token}` },
    })
    return res.json()
  }

  it('receives the tenant, the credentials and the granted member, and signs the member in with them', async () => {
    wiring = await wireProvider({
      api: api.baseUrl,
      admin: { identifier: admin.identifier, password: admin.password, tenantCode: admin.tenant.code },
      member: member.email,
      provider,
    })
    expect(wiring.bound).toBe('bound')
    await api.drain()

    const tenant = provider.state.tenants.get(admin.tenant.tenantId)
    expect(tenant).toMatchObject({
      tenantCode: admin.tenant.code,
      name: admin.tenant.name,
      domainName: `${api.baseUrl}/t/${admin.tenant.code}`,
    })
    // the secret was sealed with the provider's key (the default OAEP profile) and opened there
    expect(tenant?.apps.get(wiring.appId)).toMatchObject({ clientId: wiring.clientId })
    expect(tenant?.apps.get(wiring.appId)?.clientSecret).toMatch(/^\S{20,}$/)
    expect(tenant?.orgs.get(admin.tenant.code)).toMatchObject({ parentCode: '' })
    expect(tenant?.users.get(wiring.member.accountName)).toMatchObject({
      name: 'Pat <Provider>',
      enable: 'true',
      state: 'granted',
      appId: wiring.appId,
    })
    expect(provider.state.calls.map((c) => [c.path, c.resultCode])).toEqual([
      ['/produceAPI/v2/tenantSync', '000000'],
      ['/produceAPI/v2/applicationSync', '000000'],
      ['/produceAPI/v2/allOrgSync', '000000'],
      ['/produceAPI/v2/authSync', '000000'],
    ])
    expect(await status()).toMatchObject({ state: 'idle', queued: 0 })

    // its page lists what it received, escaped
    const home = await (await fetch(`${provider.origin}/`)).text()
    expect(home).toContain(wiring.member.accountName)
    expect(home).toContain('Pat &lt;Provider&gt;')
    expect(home).not.toContain('<Provider>')

    // the provider's sign-in → the tenant's hosted sign-in → the provider's callback, with the
    // credentials the sync gave it (the page's link is the one followed)
    const link = /href="(\/login\?[^"]+)"/.exec(home)?.[1]?.replaceAll('&amp;', '&') as string
    const b = browser()
    const form = await b.follow(new URL(link, provider.origin).href, '')
    expect(form.at.startsWith(`${api.baseUrl}/t/${admin.tenant.code}/`)).toBe(true)
    expect(form.text).toContain('name="password"')
    const signedIn = await b.signIn(form, { identifier: member.email, password: member.password })
    expect(signedIn.at.startsWith(`${provider.origin}/callback?`)).toBe(true)
    expect(new URL(signedIn.at).searchParams.get('tenant')).toBe(admin.tenant.tenantId)
    expect(signedIn.status).toBe(200)
    expect(signedIn.text).toContain(wiring.member.accountName)
    expect(signedIn.text).toContain('known user')

    // a tile in the tenant's portal launches the same app: code and tenant, no state
    const launched = await b.follow(`${api.baseUrl}/t/${admin.tenant.code}/launch/${wiring.appId}`, '')
    expect([launched.status, launched.text.includes('known user')]).toEqual([200, true])
    expect(launched.text).toContain('tile launch')

    // a forged callback (no state of ours, or a state of another browser) signs no one in
    const forged = await b.follow(
      `${provider.origin}/callback?code=x&state=y&tenant=${admin.tenant.tenantId}`,
      '',
    )
    expect(forged.status).toBe(400)
  })

  it('refuses what its key did not sign (000001), what it cannot read (000002), a secret it cannot open (000101); signs v1 answers', async () => {
    const tenant = {
      instanceId: 'ins-1',
      tenantId: 'forged-tenant',
      testFlag: 0 as const,
      orderId: '',
      tenantCode: 'forged',
      name: 'Forged Ltd',
      domainName: 'https://forged.example.test',
      flag: 1 as const,
    }
    const body = tenantSyncBody('v2', tenant)
    const post = async (path: string, payload: string, headers: Record<string, string>) => {
      const res = await fetch(`${provider.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      })
      const raw = await res.text()
      return {
        status: res.status,
        raw,
        body: JSON.parse(raw),
        bodySign: res.headers.get('body-sign') ?? undefined,
      }
    }
    const good = signV2(provider.accessKey, body)
    const tampered = await post(
      '/produceAPI/v2/tenantSync',
      good.payload.replace('Forged Ltd', 'Tampered Ltd'),
      good.headers,
    )
    expect([tampered.status, tampered.body.resultCode]).toEqual([200, '000001'])
    const otherKey = signV2('not-the-providers-key', body)
    expect(
      (await post('/produceAPI/v2/tenantSync', otherKey.payload, otherKey.headers)).body.resultCode,
    ).toBe('000001')
    expect((await post('/produceAPI/v2/tenantSync', good.payload, {})).body.resultCode).toBe('000001')
    expect((await post('/produceAPI/v2/tenantSync', '{"not json', good.headers)).body.resultCode).toBe(
      '000002',
    )
    // a correctly signed body without a field the interface requires
    const { tenantCode: _, ...partial } = body
    const unreadable = signV2(provider.accessKey, partial)
    const missing = await post('/produceAPI/v2/tenantSync', unreadable.payload, unreadable.headers)
    expect(missing.body).toMatchObject({
      resultCode: '000002',
      resultMsg: expect.stringContaining('tenantCode'),
    })

    // v1: authToken; every answer signed with the access key
    const forgedV1 = signV1('not-the-providers-key', tenantSyncBody('v1', tenant))
    const refused = await post('/produceAPI/tenantSync', forgedV1.payload, forgedV1.headers)
    expect(refused.body.resultCode).toBe('000001')
    expect(checkBodySign(provider.accessKey, refused.raw, refused.bodySign)).toBe('valid')
    expect(provider.state.tenants.has('forged-tenant')).toBe(false)

    // a v1 call signed with its key is taken, and its answer signed too
    const v1 = signV1(provider.accessKey, tenantSyncBody('v1', { ...tenant, tenantId: 'v1-tenant' }))
    const taken = await post('/produceAPI/tenantSync', v1.payload, v1.headers)
    expect(taken.body.resultCode).toBe('000000')
    expect(checkBodySign(provider.accessKey, taken.raw, taken.bodySign)).toBe('valid')
    expect(provider.state.tenants.get('v1-tenant')).toMatchObject({
      tenantCode: 'forged',
      name: 'Forged Ltd',
    })
    const gone = signV1(
      provider.accessKey,
      tenantSyncBody('v1', { ...tenant, tenantId: 'v1-tenant', flag: 0 }),
    )
    expect((await post('/produceAPI/tenantSync', gone.payload, gone.headers)).body.resultCode).toBe('000000')
    expect(provider.state.tenants.has('v1-tenant')).toBe(false)

    // a secret sealed under another OAEP profile than the provider's does not open: 000101
    const sealed = encryptClientSecret(
      readProviderPublicKey(provider.publicKeyPem),
      'sec_other-profile',
      'sha256',
    )
    const app = signV2(
      provider.accessKey,
      applicationSyncBody('v2', {
        ...tenant,
        tenantId: 'other-profile',
        appId: 'app-1',
        clientId: 'cli_1',
        clientSecret: sealed,
        flag: 1,
      }),
    )
    const secretRefused = await post('/produceAPI/v2/applicationSync', app.payload, app.headers)
    expect(secretRefused.body.resultCode).toBe('000101')
    expect(provider.state.tenants.has('other-profile')).toBe(false)
  })

  it('fails on demand: Atrium shows the provider’s code, and catches up once it answers again', async () => {
    const control = await fetch(`${provider.origin}/control/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: '000005', times: 1 }),
    })
    expect(await control.json()).toEqual({ failing: { code: '000005', times: 1 } })
    await call(directory, 'POST', '/v1/departments', {
      token: admin.accessToken,
      body: { name: 'Night shift' },
    })
    await api.drain()
    expect(await status()).toMatchObject({
      state: 'failing',
      attempts: 1,
      queued: 1,
      lastError: { code: '000005' },
    })
    expect(provider.state.calls.at(-1)).toMatchObject({
      path: '/produceAPI/v2/singleOrgSync',
      resultCode: '000005',
    })

    // the failure was for one call: the admin's retry goes through
    const retry = await fetch(`${api.baseUrl}/v1/apps/${wiring.appId}/provisioning/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wiring.token}` },
    })
    expect(retry.status).toBe(202)
    // due now: the sender's next minute takes it
    await api.retries()
    await api.drain()
    expect(await status()).toMatchObject({ state: 'idle', queued: 0, attempts: 0 })
    const orgs = [...(provider.state.tenants.get(admin.tenant.tenantId)?.orgs.values() ?? [])]
    expect(orgs.map((o) => o.orgName)).toContain('Night shift')
  })
})
