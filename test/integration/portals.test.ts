import { executeTransactWrite } from 'dynamodb-toolbox'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as portal } from '../../functions/portal/handler.js'
import { dynamoRequestCount } from '../../lib/core/db/client.js'
import { trustedTenantId } from '../../lib/core/tenancy.js'
import { prepareAccount, putMembership } from '../../lib/identity/accounts.js'
import { DEFAULT_PORTALS } from '../../lib/portal/defaults.js'
import { memberPortal } from '../../lib/portal/member-portal.js'
import { useTestTable } from '../support/dynamo.js'
import { login, openTenant, platformFixture, SEED } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

type Tenant = Awaited<ReturnType<typeof openTenant>>

const page = (id: string, title: string, extra: Record<string, unknown> = {}) => ({
  id,
  title,
  widgets: [{ id: `${id}-apps`, type: 'myApps' }],
  ...extra,
})
const portalNamed = (title: string) => ({
  pages: [page('home', title)],
  menus: [{ id: 'm-home', title: 'Home', page: 'home' }],
})

const publish = async (token: string, level: string, body: unknown, channel = 'web') => {
  const draft = await call(portal, 'PUT', `/v1/${level}/portals/${channel}/draft`, { token, body })
  expect(draft.status).toBe(200)
  const res = await call(portal, 'POST', `/v1/${level}/portals/${channel}/publish`, { token })
  expect(res.status).toBe(200)
  return res.body
}

const homeTitle = async (token: string, channel = 'web') => {
  const res = await call(portal, 'GET', '/v1/me/portal', { token, query: { channel } })
  expect(res.status).toBe(200)
  return res.body.portal.pages[0].title as string
}

describe('portals: platform default, industry template, tenant override', () => {
  let platformToken: string
  let officeToken: string
  let industrialToken: string
  let custom: Tenant
  let inheriting: Tenant
  let basic: Tenant
  let plant: Tenant

  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
    industrialToken = (await login('industrial-admin@atrium.localhost', SEED.demoPassword)).accessToken
    custom = await openTenant(platformToken)
    inheriting = await openTenant(platformToken)
    basic = await openTenant(platformToken, { planCode: 'general.basic' })
    plant = await openTenant(platformToken, { industry: 'industrial', planCode: 'industrial.basic' })
  })

  it('starts from the seeded platform default, published as version 1, for web and mobile apart', async () => {
    const res = await call(portal, 'GET', '/v1/platform/portals/mobile', { token: platformToken })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      level: 'platform',
      channel: 'mobile',
      version: 1,
      published: DEFAULT_PORTALS.mobile,
      effectiveFrom: 'platform',
    })
    const tenant = await call(portal, 'GET', '/v1/tenant/portals/web', { token: custom.accessToken })
    expect(tenant.body).toMatchObject({
      level: 'tenant',
      draft: null,
      published: null,
      version: 0,
      effective: DEFAULT_PORTALS.web,
      effectiveFrom: 'platform',
      customisable: true,
    })
  })

  it('keeps drafts from members until published; a template change reaches only the tenants that have not customised', async () => {
    const v1 = await publish(officeToken, 'industry', portalNamed('Office v1'))
    expect(v1).toMatchObject({ version: 1, effectiveFrom: 'industry' })
    expect(await homeTitle(custom.accessToken)).toBe('Office v1')
    expect(await homeTitle(inheriting.accessToken)).toBe('Office v1')
    // another industry's template does not reach an office tenant
    await publish(industrialToken, 'industry', portalNamed('Plant'))
    expect(await homeTitle(plant.accessToken)).toBe('Plant')
    expect(await homeTitle(inheriting.accessToken)).toBe('Office v1')

    const saved = await call(portal, 'PUT', '/v1/tenant/portals/web/draft', {
      token: custom.accessToken,
      body: portalNamed('Custom draft'),
    })
    expect(saved.status).toBe(200)
    expect(saved.body).toMatchObject({ draft: { pages: [{ title: 'Custom draft' }] }, published: null })
    expect(await homeTitle(custom.accessToken)).toBe('Office v1')
    await call(portal, 'POST', '/v1/tenant/portals/web/publish', { token: custom.accessToken })
    expect(await homeTitle(custom.accessToken)).toBe('Custom draft')

    await publish(officeToken, 'industry', portalNamed('Office v2'))
    expect(await homeTitle(inheriting.accessToken)).toBe('Office v2')
    expect(await homeTitle(custom.accessToken)).toBe('Custom draft')
    // the mobile channel is apart: still the platform's default
    expect(await homeTitle(custom.accessToken, 'mobile')).toBe(DEFAULT_PORTALS.mobile.pages[0]?.title)
  })

  it('resets a tenant to what it inherits, keeping its version count', async () => {
    const reset = await call(portal, 'POST', '/v1/tenant/portals/web/reset', { token: custom.accessToken })
    expect(reset.status).toBe(200)
    expect(reset.body).toMatchObject({ draft: null, published: null, version: 1, effectiveFrom: 'industry' })
    expect(await homeTitle(custom.accessToken)).toBe('Office v2')
    const again = await publish(custom.accessToken, 'tenant', portalNamed('Custom again'))
    expect(again).toMatchObject({ version: 2, effectiveFrom: 'tenant' })
    // a reset of a tenant that never customised changes nothing
    const none = await call(portal, 'POST', '/v1/tenant/portals/mobile/reset', {
      token: inheriting.accessToken,
    })
    expect(none.status).toBe(200)
    expect(none.body).toMatchObject({ published: null, version: 0 })
  })

  it('rolls back to the previous version as a new version, and lists the versions newest first', async () => {
    const admin = custom.accessToken
    await publish(admin, 'tenant', portalNamed('Custom three'))
    const back = await call(portal, 'POST', '/v1/tenant/portals/web/rollback', { token: admin, body: {} })
    expect(back.status).toBe(200)
    expect(back.body).toMatchObject({ version: 4, published: { pages: [{ title: 'Custom again' }] } })
    expect(await homeTitle(admin)).toBe('Custom again')
    // once more: the version before that one
    const twice = await call(portal, 'POST', '/v1/tenant/portals/web/rollback', { token: admin, body: {} })
    expect(twice.body).toMatchObject({ version: 5, published: { pages: [{ title: 'Custom draft' }] } })
    const first = await call(portal, 'POST', '/v1/tenant/portals/web/rollback', {
      token: admin,
      body: { toVersion: 3 },
    })
    expect(first.body).toMatchObject({ version: 6, published: { pages: [{ title: 'Custom three' }] } })
    const list = await call(portal, 'GET', '/v1/tenant/portals/web/versions', {
      token: admin,
      query: { limit: '2' },
    })
    expect(list.status).toBe(200)
    expect(list.body.items.map((v: { version: number }) => v.version)).toEqual([6, 5])
    expect(list.body.items[0]).toMatchObject({
      restoredFrom: 3,
      publishedBy: expect.stringMatching(/^account:/),
    })
    const next = await call(portal, 'GET', '/v1/tenant/portals/web/versions', {
      token: admin,
      query: { limit: '2', cursor: list.body.nextCursor },
    })
    expect(next.body.items.map((v: { version: number }) => v.version)).toEqual([4, 3])
    const none = await call(portal, 'POST', '/v1/tenant/portals/mobile/rollback', { token: admin, body: {} })
    expect(none.status).toBe(409)
    expect(none.body.error.code).toBe('INVALID_STATE')
    const unknown = await call(portal, 'POST', '/v1/tenant/portals/web/rollback', {
      token: admin,
      body: { toVersion: 99 },
    })
    expect(unknown.status).toBe(409)
  })

  it('refuses a custom portal to an edition without one, which keeps its industry template', async () => {
    for (const [method, path, body] of [
      ['PUT', '/v1/tenant/portals/web/draft', portalNamed('Not allowed')],
      ['POST', '/v1/tenant/portals/web/publish', undefined],
      ['POST', '/v1/tenant/portals/web/rollback', {}],
    ] as const) {
      const res = await call(portal, method, path, { token: basic.accessToken, body })
      expect(res.status).toBe(403)
      expect(res.body.error.code).toBe('PORTAL_NOT_IN_EDITION')
    }
    const view = await call(portal, 'GET', '/v1/tenant/portals/web', { token: basic.accessToken })
    expect(view.body).toMatchObject({ customisable: false, effectiveFrom: 'industry' })
    expect(await homeTitle(basic.accessToken)).toBe('Office v2')
  })

  it('keeps each tenant to its own portal, and admins to their own level', async () => {
    const other = await call(portal, 'GET', '/v1/tenant/portals/web', { token: inheriting.accessToken })
    expect(other.body).toMatchObject({ published: null, draft: null, version: 0 })
    const versions = await call(portal, 'GET', '/v1/tenant/portals/web/versions', {
      token: inheriting.accessToken,
    })
    expect(versions.body.items).toEqual([])
    expect(
      (await call(portal, 'GET', '/v1/platform/portals/web', { token: custom.accessToken })).status,
    ).toBe(403)
    expect(
      (
        await call(portal, 'PUT', '/v1/industry/portals/web/draft', {
          token: platformToken,
          body: portalNamed('x'),
        })
      ).status,
    ).toBe(403)
    expect((await call(portal, 'GET', '/v1/tenant/portals/web', { token: officeToken })).status).toBe(403)
    // a member without portal.write reads their portal, never the admin's view
    const member = await addMember(inheriting, {})
    expect((await call(portal, 'GET', '/v1/tenant/portals/web', { token: member.token })).status).toBe(403)
  })

  it('refuses bad input with 400 naming the fields', async () => {
    const bad = async (body: unknown) => {
      const res = await call(portal, 'PUT', '/v1/tenant/portals/web/draft', {
        token: custom.accessToken,
        body,
      })
      expect(res.status).toBe(400)
      return (res.body.error.details as { path: string }[]).map((d) => d.path)
    }
    expect(await bad({ pages: [] })).toContain('body.pages')
    expect(
      await bad({
        pages: [
          {
            id: 'home',
            title: 'Home',
            widgets: [{ id: 'l', type: 'links', links: [{ title: 'x', url: 'javascript:alert(1)' }] }],
          },
        ],
      }),
    ).toContain('body.pages.0.widgets.0.links.0.url')
    expect(await bad({ pages: [page('home', 'Home', { widgets: [{ id: 'w', type: 'clock' }] })] })).toContain(
      'body.pages.0.widgets.0.type',
    )
    expect(
      await bad({
        pages: [page('home', 'Home'), page('home', 'Again')],
        menus: [{ id: 'm', title: 'M', page: 'nowhere' }],
      }),
    ).toEqual(expect.arrayContaining(['body.pages.0.id', 'body.pages.1.id', 'body.menus.0.page']))
    expect(await bad({ pages: [page('home', 'x'.repeat(81))] })).toContain('body.pages.0.title')
    expect(await bad({ pages: [page('home', 'Home', { visibility: { roles: ['r'] } })] })).toContain(
      'body.pages.0.visibility',
    )
    const huge = {
      pages: Array.from({ length: 20 }, (_, i) =>
        page(`p${i}`, 'Page', {
          widgets: Array.from({ length: 6 }, (_, j) => ({
            id: `p${i}-l${j}`,
            type: 'links',
            links: Array.from({ length: 20 }, () => ({
              title: 'x',
              url: `https://example.com/${'a'.repeat(40)}`,
            })),
          })),
        }),
      ),
    }
    expect(await bad(huge)).toContain('body')
    expect(await bad({ pages: [page('home', 'Home')], extra: true })).toContain('body')
    const channel = await call(portal, 'GET', '/v1/tenant/portals/tv', { token: custom.accessToken })
    expect(channel.status).toBe(400)
    expect(JSON.stringify(channel.body.error.details)).toContain('path.channel')
    const query = await call(portal, 'GET', '/v1/me/portal', {
      token: custom.accessToken,
      query: { channel: 'tv' },
    })
    expect(query.status).toBe(400)
    const rollback = await call(portal, 'POST', '/v1/tenant/portals/web/rollback', {
      token: custom.accessToken,
      body: { toVersion: 0 },
    })
    expect(rollback.status).toBe(400)
  })

  it('shows each member only the menus, pages and widgets meant for their departments, groups or roles', async () => {
    const t = custom
    const sales = await addMember(t, { departmentIds: ['dept-sales'] })
    const grouped = await addMember(t, {})
    const plain = await addMember(t, {})
    const group = await call(directory, 'POST', '/v1/groups', {
      token: t.accessToken,
      body: { name: 'Pilots' },
    })
    expect(group.status).toBe(201)
    const groupId = group.body.groupId as string
    const joined = await call(directory, 'POST', `/v1/groups/${groupId}/members`, {
      token: t.accessToken,
      body: { memberIds: [grouped.accountId] },
    })
    expect(joined.status).toBe(200)
    await publish(t.accessToken, 'tenant', {
      pages: [
        {
          id: 'home',
          title: 'Home',
          widgets: [
            { id: 'apps', type: 'myApps' },
            { id: 'sales-news', type: 'newsList', visibility: { departments: ['dept-sales'] } },
          ],
        },
        page('pilots', 'Pilots', { visibility: { groups: [groupId] } }),
        page('admin', 'Admin', { visibility: { roles: ['tenant_admin'] } }),
      ],
      menus: [
        { id: 'm-home', title: 'Home', page: 'home' },
        { id: 'm-pilots', title: 'Pilots', page: 'pilots' },
        {
          id: 'm-more',
          title: 'More',
          children: [
            { id: 'm-admin', title: 'Admin', page: 'admin' },
            {
              id: 'm-sales',
              title: 'Sales site',
              url: 'https://sales.example.com',
              visibility: { departments: ['dept-sales'] },
            },
          ],
        },
      ],
    })
    const seen = async (token: string) => {
      const res = await call(portal, 'GET', '/v1/me/portal', { token })
      expect(res.status).toBe(200)
      const p = res.body.portal
      return {
        pages: p.pages.map((x: { id: string }) => x.id),
        widgets: p.pages[0].widgets.map((x: { id: string }) => x.id),
        menus: p.menus.map((m: { id: string; children?: { id: string }[] }) => [
          m.id,
          ...(m.children ?? []).map((c) => c.id),
        ]),
      }
    }
    expect(await seen(sales.token)).toEqual({
      pages: ['home'],
      widgets: ['apps', 'sales-news'],
      menus: [['m-home'], ['m-more', 'm-sales']],
    })
    expect(await seen(grouped.token)).toEqual({
      pages: ['home', 'pilots'],
      widgets: ['apps'],
      menus: [['m-home'], ['m-pilots']],
    })
    expect(await seen(plain.token)).toEqual({ pages: ['home'], widgets: ['apps'], menus: [['m-home']] })
    expect(await seen(t.accessToken)).toEqual({
      pages: ['home', 'admin'],
      widgets: ['apps'],
      menus: [['m-home'], ['m-more', 'm-admin']],
    })
  })

  it('reads a member portal in at most two DynamoDB requests', async () => {
    const member = await addMember(custom, { departmentIds: ['dept-sales'] })
    const viewer = {
      tenantId: trustedTenantId(custom.tenant.tenantId),
      memberId: member.accountId,
      industry: 'office',
      customPortal: true,
    }
    let before = dynamoRequestCount()
    await memberPortal(viewer, 'web')
    // the portal published last names a group; this member belongs to none: one request
    expect(dynamoRequestCount() - before).toBe(1)
    const grouped = await addMember(custom, {})
    const group = await call(directory, 'POST', '/v1/groups', {
      token: custom.accessToken,
      body: { name: 'Two' },
    })
    await call(directory, 'POST', `/v1/groups/${group.body.groupId}/members`, {
      token: custom.accessToken,
      body: { memberIds: [grouped.accountId] },
    })
    before = dynamoRequestCount()
    await memberPortal({ ...viewer, memberId: grouped.accountId }, 'web')
    expect(dynamoRequestCount() - before).toBe(2)
  })

  it('publishes race-free: 20 publications at once get distinct, consecutive versions', async () => {
    const admin = inheriting.accessToken
    const start = (await call(portal, 'GET', '/v1/industry/portals/web', { token: officeToken })).body
      .version as number
    await call(portal, 'PUT', '/v1/industry/portals/web/draft', {
      token: officeToken,
      body: portalNamed('Race'),
    })
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(portal, 'POST', '/v1/industry/portals/web/publish', { token: officeToken }),
      ),
    )
    const ok = results.filter((r) => r.status === 200)
    expect(
      results.every((r) => r.status === 200 || (r.status === 409 && r.body.error.code === 'CONFLICT')),
    ).toBe(true)
    expect(ok.length).toBeGreaterThan(0)
    const view = await call(portal, 'GET', '/v1/industry/portals/web', { token: officeToken })
    expect(view.body.version).toBe(start + ok.length)
    const versions = await call(portal, 'GET', '/v1/industry/portals/web/versions', {
      token: officeToken,
      query: { limit: '100' },
    })
    const numbers = versions.body.items.map((v: { version: number }) => v.version)
    expect(numbers).toEqual(Array.from({ length: start + ok.length }, (_, i) => start + ok.length - i))
    expect(await homeTitle(admin)).toBe('Race')
  })
})

/** A member with the given departments (ids as the membership holds them), signed in. */
const addMember = async (t: Tenant, { departmentIds }: { departmentIds?: string[] }) => {
  const identifier = `m-${Date.now()}-${Math.random().toString(36).slice(2)}@tenant.test`
  const password = 'Member-password-1'
  const account = await prepareAccount(identifier, { password })
  await executeTransactWrite(
    ...account.writes,
    ...putMembership({
      realm: 'tenant',
      ctx: t.tenant.tenantId,
      ctxCode: t.tenant.code,
      accountId: account.accountId,
      roles: [],
      departmentIds,
    }),
  )
  const session = await login(identifier, password)
  return { accountId: account.accountId, token: session.accessToken as string }
}
