import * as z from 'zod'
import { handler as approvals } from '../../functions/approvals/handler.js'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as calendar } from '../../functions/calendar/handler.js'
import { handler as content } from '../../functions/content/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { handler as drive } from '../../functions/drive/handler.js'
import { handler as marketplace } from '../../functions/marketplace/handler.js'
import { handler as media } from '../../functions/media/handler.js'
import { handler as messages } from '../../functions/messages/handler.js'
import { handler as meta } from '../../functions/meta/handler.js'
import { handler as portal } from '../../functions/portal/handler.js'
import { handler as provisioning } from '../../functions/provisioning/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { handler as todos } from '../../functions/todos/handler.js'
import { liveSession } from '../../lib/auth/session-check.js'
import type { Scope } from '../../lib/core/auth/principal.js'
import { tenantPartition } from '../../lib/core/db/keys.js'
import { queryPage } from '../../lib/core/db/pagination.js'
import type { Access } from '../../lib/core/http/access.js'
import { tenantAccess } from '../../lib/core/http/access.js'
import { httpFunction } from '../../lib/core/http/http-function.js'
import { route } from '../../lib/core/http/route.js'
import { MemberNoticeEntity, noticePrefix } from '../../lib/notices/entities.js'
import { notifyMembers } from '../../lib/notices/notify.js'
import { allRoutes } from '../../scripts/api-document.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { lastCode } from '../support/outbox.js'

useTestTable()

const HANDLERS: Record<string, typeof auth> = {
  Auth: auth,
  Meta: meta,
  Tenants: tenants,
  Directory: directory,
  'Personal centre': directory,
  Invitations: directory,
  Catalog: tenants,
  Contacts: directory,
  Branding: tenants,
  Marketplace: marketplace,
  Apps: apps,
  Access: apps,
  'Single sign-on': apps,
  Provisioning: provisioning,
  News: content,
  Announcements: content,
  'Content pages': content,
  Portals: portal,
  Uploads: media,
  Notices: portal,
  Drive: drive,
  Messages: messages,
  Todos: todos,
  Calendar: calendar,
  Approvals: approvals,
}
const handlerOf = (tag: string) => HANDLERS[tag] as typeof auth
/** Path parameters that name no one's resource, with a value they take (a channel is the caller's own). */
const PLAIN_PARAMS: Record<string, string> = {
  planCode: 'aaaa.aaaa',
  channel: 'web',
  recurrenceId: '2026-06-01T09:00',
}
// an id of the shape every path parameter takes (ids, app codes; an edition's code), that names nothing
const concrete = (path: string, id?: string) =>
  path.replace(/\{(\w+)\}/g, (_, name) => id ?? PLAIN_PARAMS[name] ?? 'a1aaaaaaaaaaaaaaaaaaaaaaaa')
const REALMS = ['platform', 'industry', 'tenant'] as const
/** The realms an access rule admits. */
const realmsOf = (access: Access): readonly Scope[] =>
  access.kind === 'public' ? [] : access.kind === 'signed-in' ? REALMS : [access.kind]

describe('access rules on every route', () => {
  let tokens: Record<Scope, string>
  let a: Awaited<ReturnType<typeof openTenant>>
  let b: Awaited<ReturnType<typeof openTenant>>

  beforeAll(async () => {
    const { platformToken, officeToken } = await platformFixture()
    a = await openTenant(platformToken, { industry: 'office' })
    b = await openTenant(platformToken, { industry: 'industrial' })
    tokens = { platform: platformToken, industry: officeToken, tenant: a.accessToken }
  })

  const protectedRoutes = () => allRoutes().filter((r) => r.spec.access.kind !== 'public')

  it('refuses every protected route without a token', async () => {
    for (const { spec } of protectedRoutes()) {
      const res = await call(handlerOf(spec.tag), spec.method, concrete(spec.path))
      expect([spec.operationId, res.status]).toEqual([spec.operationId, 401])
    }
  })

  it('refuses every protected route to the scopes it does not name', async () => {
    for (const { spec } of protectedRoutes()) {
      for (const scope of REALMS.filter((s) => !realmsOf(spec.access).includes(s))) {
        const res = await call(handlerOf(spec.tag), spec.method, concrete(spec.path), {
          token: tokens[scope],
          body: {},
        })
        expect([spec.operationId, scope, res.status]).toEqual([spec.operationId, scope, 403])
      }
    }
  })

  it('refuses every route that needs an admin permission to a member who lacks it', async () => {
    const member = await addPlainMember(a.tenant)
    const { accessToken } = await login(member.identifier, member.password)
    const guarded = allRoutes().filter((r) => r.spec.access.kind === 'tenant' && r.spec.access.permission)
    expect(guarded.length).toBeGreaterThan(5)
    for (const { spec } of guarded) {
      const res = await call(handlerOf(spec.tag), spec.method, concrete(spec.path), {
        token: accessToken,
        body: {},
      })
      expect([spec.operationId, res.status]).toEqual([spec.operationId, 403])
    }
  })

  it('answers 400 naming the field for bad input on every route that takes input', async () => {
    const scopeFor = (spec: (typeof allRoutes extends () => (infer R)[] ? R : never)['spec']) =>
      spec.access.kind === 'public' ? undefined : tokens[realmsOf(spec.access)[0] as Scope]
    for (const { spec } of allRoutes()) {
      const token = scopeFor(spec)
      const handler = handlerOf(spec.tag)
      if (spec.body) {
        const bad = spec.form
          ? { rawBody: 'unexpected=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
          : { body: ['not', 'an', 'object'] }
        const res = await call(handler, spec.method, concrete(spec.path), { token, ...bad })
        expect([spec.operationId, res.status]).toEqual([spec.operationId, 400])
        expect(res.body.error.details[0].path).toMatch(/^body/)
      }
      if (spec.query instanceof z.ZodObject && 'limit' in spec.query.shape) {
        const res = await call(handler, spec.method, concrete(spec.path), { token, query: { limit: '0' } })
        expect([spec.operationId, res.status]).toEqual([spec.operationId, 400])
        expect(res.body.error.details[0].path).toBe('query.limit')
      }
      if (spec.params) {
        const res = await call(handler, spec.method, concrete(spec.path, 'x'.repeat(100)), {
          token,
          body: {},
        })
        expect([spec.operationId, res.status]).toEqual([spec.operationId, 400])
      }
    }
  })

  it('never shows one tenant another tenant', async () => {
    const mine = await call(tenants, 'GET', '/v1/tenant', { token: a.accessToken })
    expect(mine.body.tenantId).toBe(a.tenant.tenantId)
    expect(JSON.stringify(mine.body)).not.toContain(b.tenant.tenantId)
    // b's login log has entries; a's admin reads only a's.
    await login(b.identifier, b.password)
    const log = await call(auth, 'GET', '/v1/tenant/login-log', {
      token: a.accessToken,
      query: { limit: '100' },
    })
    expect(log.body.items.length).toBeGreaterThan(0)
    expect(log.body.items.every((e: { tenantId: string }) => e.tenantId === a.tenant.tenantId)).toBe(true)
    // a cursor from b's log does not open b's log to a
    const bLog = await call(auth, 'GET', '/v1/tenant/login-log', {
      token: b.accessToken,
      query: { limit: '1' },
    })
    const crossed = await call(auth, 'GET', '/v1/tenant/login-log', {
      token: a.accessToken,
      query: { cursor: bLog.body.nextCursor },
    })
    expect(crossed.status).toBe(400)
    // an industry admin asking for another industry's tenant gets 404, not data
    const other = await call(tenants, 'GET', `/v1/industry/tenants/${b.tenant.tenantId}`, {
      token: tokens.industry,
    })
    expect(other.status).toBe(404)
    expect(JSON.stringify(other.body)).not.toContain(b.tenant.code)
  })

  it("never lets one tenant's admin reach another tenant's directory objects or apps, on any route", async () => {
    const b2 = await openTenant(tokens.platform)
    const bToken = b2.accessToken
    const post = (path: string, body: unknown) => call(directory, 'POST', path, { token: bToken, body })
    const member = (await post('/v1/members', { name: 'B Person', email: `bp-${Date.now()}@b.test` })).body
      .member.memberId
    const dept = (await post('/v1/departments', { name: 'B Dept' })).body.deptId
    const group = (await post('/v1/groups', { name: 'B Group' })).body.groupId
    const role = (await post('/v1/roles', { name: 'B Role', permissions: ['members.read'] })).body.roleId
    const invite = (await post('/v1/invitations', { needsApproval: true })).body
    const asker = `ask-${Date.now()}@b.test`
    await call(auth, 'POST', '/v1/auth/codes', { body: { identifier: asker, purpose: 'signup' } })
    const request = (
      await call(directory, 'POST', '/v1/invitations/redeem', {
        body: {
          code: invite.code,
          name: 'Asker',
          email: asker,
          password: 'Asker-pass-123',
          verificationCode: await lastCode(asker),
        },
      })
    ).body.requestId
    const app = (
      await call(apps, 'POST', '/v1/apps', {
        token: bToken,
        body: { name: 'B App', clientTypes: ['web'], protocol: 'code' },
      })
    ).body.appId
    const categoryId = (
      await call(content, 'POST', '/v1/tenant/news-categories', { token: bToken, body: { name: 'B' } })
    ).body.categoryId
    const doc = { blocks: [] }
    const newsId = (
      await call(content, 'POST', '/v1/tenant/news', {
        token: bToken,
        body: { categoryId, title: 'B', body: doc },
      })
    ).body.newsId
    await call(content, 'POST', `/v1/tenant/news/${newsId}/publish`, { token: bToken })
    const announcementId = (
      await call(content, 'POST', '/v1/tenant/announcements', {
        token: bToken,
        body: { title: 'B', body: doc },
      })
    ).body.announcementId
    await notifyMembers(b2.tenant.tenantId, [member], { kind: 'test.notice', title: 'B' })
    const [notice] = (
      await queryPage(MemberNoticeEntity, {
        partition: tenantPartition(b2.tenant.tenantId),
        prefix: noticePrefix(member),
        limit: 1,
      })
    ).items
    const conversationId = (
      await call(messages, 'POST', '/v1/conversations', {
        token: bToken,
        body: { kind: 'group', name: 'B', memberIds: [member] },
      })
    ).body.conversationId
    const messageId = (
      await call(messages, 'POST', `/v1/conversations/${conversationId}/messages`, {
        token: bToken,
        body: { kind: 'text', text: 'B' },
      })
    ).body.messageId
    const todoId = (await call(todos, 'POST', '/v1/me/todos', { token: bToken, body: { title: 'B todo' } }))
      .body.todoId
    const calendarEvent = {
      title: 'B',
      timeZone: 'UTC',
      start: '2026-06-01T09:00',
      end: '2026-06-01T10:00',
      attendees: [member],
    }
    const eventId = (
      await call(calendar, 'POST', '/v1/calendar/events', { token: bToken, body: calendarEvent })
    ).body.eventId
    // approvals need an edition with the app (b is industrial)
    const approver = await addPlainMember(b.tenant)
    const templateId = (
      await call(approvals, 'POST', '/v1/approvals/templates', {
        token: b.accessToken,
        body: {
          name: 'B',
          fields: [{ key: 'what', label: 'What', type: 'text' }],
          steps: [{ approvers: { type: 'members', memberIds: [approver.accountId] } }],
        },
      })
    ).body.templateId
    const approvalId = (
      await call(approvals, 'POST', '/v1/approvals', {
        token: b.accessToken,
        body: { templateId, form: { what: 'B' } },
      })
    ).body.requestId
    const ids: Record<string, string> = {
      templateId,
      approvalId,
      todoId,
      noticeId: notice?.noticeId as string,
      conversationId,
      messageId,
      eventId,
      recurrenceId: PLAIN_PARAMS.recurrenceId as string,
      categoryId,
      newsId,
      announcementId,
      appId: app,
      memberId: member,
      deptId: dept,
      groupId: group,
      roleId: role,
      inviteId: invite.inviteId,
      requestId: request,
      grantId: `member-${member}`,
      itemId: (
        await call(drive, 'POST', '/v1/drive/folders', {
          token: bToken,
          body: { space: 'enterprise', name: 'B' },
        })
      ).body.id,
      uploadId: (
        await call(drive, 'POST', '/v1/drive/uploads', {
          token: bToken,
          body: { space: 'personal', name: 'b.txt', size: 1 },
        })
      ).body.uploadId,
    }
    ids.fileId = ids.itemId as string
    const bodies: Record<string, unknown> = {
      updateMember: { name: 'Taken' },
      setMemberRoles: { roleIds: [] },
      setMemberDepartments: { departmentIds: [] },
      updateDepartment: { name: 'Taken' },
      moveDepartment: { parentId: null },
      renameGroup: { name: 'Taken' },
      addGroupMembers: { memberIds: [member] },
      updateRole: { name: 'Taken' },
      updateApp: { enabled: false },
      updateAppGroup: { name: 'Taken' },
      grantApp: { members: [member] },
      setAppUserData: { fields: [] },
      setMemberAppAttributes: { values: {} },
      setAppProvisioning: { dialect: 'none' },
      updateTenantNews: { title: 'Taken' },
      updateTenantNewsCategory: { name: 'Taken' },
      updateTenantAnnouncement: { title: 'Taken' },
      changeDriveItem: { name: 'Taken' },
      shareDriveItem: { shares: [] },
      completeDriveUpload: {},
      renameConversation: { name: 'Taken' },
      addConversationMembers: { memberIds: [member] },
      sendMessage: { kind: 'text', text: 'Taken' },
      updateTodo: { title: 'Taken' },
      replaceCalendarEvent: calendarEvent,
      respondToCalendarEvent: { response: 'accepted' },
      editApprovalDraft: { form: {} },
      decideApproval: { decision: 'approved' },
      commentOnApproval: { text: 'Taken' },
      changeCalendarOccurrence: {},
    }
    // routes that name a resource by id (a portal's channel is the caller's own: nothing of B's)
    const routes = allRoutes().filter(
      (r) =>
        r.spec.access.kind === 'tenant' &&
        [...r.spec.path.matchAll(/\{(\w+)\}/g)].some(([, name]) => !(name && name in PLAIN_PARAMS)),
    )
    expect(routes.length).toBeGreaterThan(15)
    for (const { spec } of routes) {
      const path = spec.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] as string)
      const res = await call(handlerOf(spec.tag), spec.method, path, {
        token: a.accessToken,
        body: bodies[spec.operationId],
      })
      expect([spec.operationId, res.status]).toEqual([spec.operationId, 404])
    }
    // and nothing of B changed
    const get = (path: string) => call(directory, 'GET', path, { token: bToken })
    expect((await get(`/v1/members/${member}`)).body).toMatchObject({ name: 'B Person', status: 'active' })
    expect((await get('/v1/departments')).body.items.map((d: { name: string }) => d.name)).toEqual(['B Dept'])
    expect((await get('/v1/groups')).body.items.map((g: { name: string }) => g.name)).toEqual(['B Group'])
    expect((await get('/v1/roles')).body.items.map((r: { name: string }) => r.name)).toEqual(['B Role'])
    expect((await get('/v1/invitations')).body.items[0]).toMatchObject({ revoked: false })
    expect((await get('/v1/join-requests')).body.items).toHaveLength(1)
    const own = await call(apps, 'GET', `/v1/apps/${app}`, { token: bToken })
    expect(own.body).toMatchObject({ name: 'B App', enabled: true })
  })

  it("refuses writes from a frozen tenant's read-only session with TENANT_FROZEN", async () => {
    const write = route({
      operationId: 'probeWrite',
      method: 'POST',
      path: '/v1/probe',
      summary: 'a tenant write',
      tag: 'Test',
      access: tenantAccess(),
      response: z.object({ ok: z.boolean() }),
      handle: async () => ({ ok: true }),
    })
    const probe = httpFunction({ name: 'probe', routes: [write], session: liveSession })
    const t = await openTenant(tokens.platform)
    expect((await call(probe, 'POST', '/v1/probe', { token: t.accessToken })).status).toBe(200)
    await call(tenants, 'POST', `/v1/tenants/${t.tenant.tenantId}/freeze`, {
      token: tokens.platform,
      body: {},
    })
    const ro = await login(t.identifier, t.password)
    const res = await call(probe, 'POST', '/v1/probe', { token: ro.accessToken })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('TENANT_FROZEN')
    expect((await call(auth, 'POST', '/v1/auth/logout', { token: ro.accessToken })).status).toBe(204)
  })
})
