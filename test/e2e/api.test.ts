import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createTable } from '../../scripts/local/create-table.js'
import { localEnv } from '../../scripts/local/env.js'
import { type RunningApi, startOffline } from '../../scripts/local/offline.js'
import { freePort } from '../../scripts/local/process.js'
import { seedPlatform } from '../../scripts/seed.js'
import { browser, csrfOf } from '../support/browser.js'
import { pointAt, testEndpoint } from '../support/dynamo.js'
import { SEED } from '../support/fixtures.js'
import { decryptField, expectedBodySign, sign, stamp } from '../support/koogallery.js'
import { lastCode } from '../support/outbox.js'

/** The real handlers, bundled by serverless-esbuild, behind serverless-offline, over HTTP. */
describe('the API over HTTP', () => {
  let api: RunningApi
  const tableName = `atrium-e2e-${Date.now()}`

  const request = async (method: string, path: string, options: { body?: unknown; token?: string } = {}) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
    const text = await res.text()
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
    let body: any
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
    return { status: res.status, body, headers: res.headers }
  }

  beforeAll(async () => {
    await createTable(testEndpoint(), tableName)
    pointAt(tableName)
    await seedPlatform(SEED)
    // as npm start does: the API's address is known to the functions (the addresses they give out)
    const port = await freePort()
    api = await startOffline({
      env: {
        ...localEnv({
          endpoint: testEndpoint(),
          tableName,
          masterKeyFile: process.env.ATRIUM_TEST_MASTER_KEY_FILE as string,
        }),
        PUBLIC_API_URL: `http://localhost:${port}`,
      },
      port,
      quiet: true,
    })
  }, 180_000)

  afterAll(async () => {
    await api?.stop()
  })

  it('serves health, the OpenAPI document and the docs page', async () => {
    expect((await request('GET', '/v1/health')).body.status).toBe('ok')
    const doc = await request('GET', '/v1/openapi.json')
    expect(doc.body).toEqual(JSON.parse(readFileSync(resolve(__dirname, '../../docs/openapi.json'), 'utf8')))
    const page = await request('GET', '/v1/docs')
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.body).toContain('/v1/openapi.json')
    const root = await request('GET', '/')
    expect([root.status, root.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8'])
  })

  it("answers what no route takes in the API's error shape, through the catch-all route", async () => {
    const unknown = await request('GET', '/v1/nothing-here')
    expect([unknown.status, unknown.body]).toEqual([
      404,
      { error: { code: 'NOT_FOUND', message: 'no route for GET /v1/nothing-here' } },
    ])
    expect(unknown.headers.get('x-correlation-id')).toBeTruthy()
    // paths of other functions, and of meta itself
    const members = await request('PUT', '/v1/members/m1')
    expect([members.status, members.body.error]).toEqual([
      405,
      {
        code: 'METHOD_NOT_ALLOWED',
        message: 'PUT is not allowed on /v1/members/m1 (allowed: GET, PATCH, DELETE)',
      },
    ])
    expect((await request('POST', '/v1/plans')).body.error.code).toBe('METHOD_NOT_ALLOWED')
    expect((await request('POST', '/v1/health')).body.error.code).toBe('METHOD_NOT_ALLOWED')
  })

  /** The system admin opens a tenant; its admin logs in and replaces the one-time password. */
  const openTenant = async (customerId: string, mobile: string) => {
    const root = await request('POST', '/v1/auth/login', {
      body: { identifier: SEED.adminIdentifier, password: SEED.adminPassword },
    })
    expect(root.status).toBe(200)
    const created = await request('POST', '/v1/tenants', {
      token: root.body.accessToken,
      body: {
        customerId,
        name: 'E2E Co',
        industry: 'education',
        planCode: 'general.enterprise',
        expiresAt: '2099-01-01T00:00:00Z',
        admin: { identifier: mobile, name: 'E2E Admin' },
        verification: { method: 'business-licence', reference: 'LIC-0001' },
      },
    })
    expect(created.status).toBe(201)
    // the sign-in address the answer gives leads to the tenant's hosted sign-in page
    const signIn = await browser().follow(created.body.tenant.urls.userLogin, '')
    expect([signIn.status, csrfOf(signIn.text)]).toEqual([200, expect.any(String)])
    expect(csrfOf(signIn.text)).not.toBe('')
    const first = await request('POST', '/v1/auth/login', {
      body: { identifier: mobile, password: created.body.admin.initialPassword },
    })
    expect(first.body.mustChangePassword).toBe(true)
    expect((await request('GET', '/v1/tenant', { token: first.body.accessToken })).status).toBe(403)
    await request('POST', '/v1/auth/codes', { body: { identifier: mobile, purpose: 'activate' } })
    const changed = await request('POST', '/v1/auth/password', {
      token: first.body.accessToken,
      body: {
        currentPassword: created.body.admin.initialPassword,
        newPassword: 'E2e-password-1',
        verificationCode: await lastCode(mobile),
      },
    })
    expect(changed.status).toBe(200)
    return { created: created.body, token: changed.body.accessToken as string }
  }

  it('opens a tenant and lets its admin in, through every function', async () => {
    const { created, token } = await openTenant('e2e-customer', '+86 138 0000 0001')
    const mine = await request('GET', '/v1/tenant', { token })
    expect(mine.body).toMatchObject({
      code: created.tenant.code,
      limits: { maxMembers: 500 },
      usage: { members: 1 },
    })
    const jwks = await request('GET', '/.well-known/jwks.json')
    const kid = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toContain(kid)
  })

  it('runs the directory over HTTP: import, a subtree page, export, an invitation QR and its use', async () => {
    const { token } = await openTenant('e2e-directory', '+86 138 0000 0002')
    const plant = await request('POST', '/v1/departments', { token, body: { name: 'Plant 1' } })
    expect(plant.status).toBe(201)
    const imported = await request('POST', '/v1/members/import', {
      token,
      body: {
        format: 'csv',
        content: 'name,email,departments\nLi Lei,li@e2e.test,Plant 1/Assembly\nNo Contact,,\n',
        dryRun: false,
      },
    })
    expect(imported.body.summary).toMatchObject({
      added: 1,
      refused: 1,
      departmentsCreated: ['Plant 1/Assembly'],
    })
    expect(imported.body.rows[1]).toMatchObject({ row: 3, outcome: 'refused' })
    const subtree = await request(
      'GET',
      `/v1/members?departmentId=${plant.body.deptId}&includeSubDepartments=true&limit=10`,
      { token },
    )
    expect(subtree.body.items.map((m: { name: string }) => m.name)).toEqual(['Li Lei'])

    const exported = await fetch(`${api.baseUrl}/v1/members/export`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(exported.headers.get('content-type')).toContain('text/csv')
    expect(await exported.text()).toContain('Li Lei,,li@e2e.test,,active,Plant 1/Assembly')

    const invite = await request('POST', '/v1/invitations', { token, body: { maxUses: 1 } })
    expect(invite.status).toBe(201)
    const qr = await fetch(`${api.baseUrl}/v1/invitations/${invite.body.inviteId}/qr`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(qr.headers.get('content-type')).toContain('image/svg+xml')
    expect(await qr.text()).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
    const proven = async (email: string) => {
      expect(
        (await request('POST', '/v1/auth/codes', { body: { identifier: email, purpose: 'signup' } })).status,
      ).toBe(202)
      return {
        code: invite.body.code,
        name: 'Han Meimei',
        email,
        password: 'Han-password-1',
        verificationCode: await lastCode(email),
      }
    }
    expect(
      (await request('POST', '/v1/invitations/redeem', { body: await proven('han@e2e.test') })).status,
    ).toBe(201)
    const second = await request('POST', '/v1/invitations/redeem', { body: await proven('other@e2e.test') })
    expect([second.status, second.body.error.code]).toEqual([410, 'INVITATION_USED_UP']) // single use
    const han = await request('POST', '/v1/auth/login', {
      body: { identifier: 'han@e2e.test', password: 'Han-password-1' },
    })
    expect(han.status).toBe(200)
    expect((await request('GET', '/v1/members', { token: han.body.accessToken })).status).toBe(403)
  })

  it('answers bad input with the failing fields, and another scope with 403', async () => {
    const root = await request('POST', '/v1/auth/login', {
      body: { identifier: SEED.adminIdentifier, password: SEED.adminPassword },
    })
    const bad = await request('POST', '/v1/tenants', { token: root.body.accessToken, body: { name: 42 } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toContain('body.name')
    const demo = await request('POST', '/v1/auth/login', {
      body: { identifier: 'admin@demo.atrium.localhost', password: SEED.demoPassword },
    })
    expect((await request('GET', '/v1/tenants', { token: demo.body.accessToken })).status).toBe(403)
    expect((await request('GET', '/v1/tenant', { token: 'garbage' })).status).toBe(401)
  })

  it('takes a KooGallery order over HTTP, signed and answered with Body-Sign', async () => {
    const key = process.env.KOOGALLERY_KEY as string
    const params = {
      activity: 'newInstance',
      customerId: 'e2e-kg',
      customerName: 'E2E + Sons Co',
      businessId: 'b-1',
      orderId: 'e2e-order-1',
      skuCode: 'atrium-industrial-professional-basic',
      productId: 'atrium-industrial',
      expireTime: '20991231000000',
      timeStamp: stamp(),
    }
    const query = new URLSearchParams({ ...params, authToken: sign(key, params) })
    const res = await fetch(`${api.baseUrl}/v1/marketplace/koogallery?${query}`)
    const body = await res.text()
    expect(res.headers.get('body-sign')).toBe(expectedBodySign(key, body))
    const answer = JSON.parse(body)
    expect(answer.resultCode).toBe('000000')
    const login = await request('POST', '/v1/auth/login', {
      body: {
        identifier: decryptField(key, answer.appInfo.userName),
        password: decryptField(key, answer.appInfo.password),
      },
    })
    expect(login.body.tenant.name).toBe('E2E + Sons Co')
  })
})
