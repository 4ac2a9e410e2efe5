import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { handler as accessEvents } from '../../functions/access-events/handler.js'
import { handler as apps } from '../../functions/apps/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { reconcileMembers } from '../../lib/access/reconcile.js'
import { EntitlementEntity } from '../../lib/access/records.js'
import { AttributeValuesEntity } from '../../lib/apps/attribute-values.js'
import { subscribeApp } from '../../lib/apps/subscriptions.js'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { tenantPartition } from '../../lib/core/db/keys.js'
import { queryAll } from '../../lib/core/db/pagination.js'
import { newId } from '../../lib/core/ids.js'
import { scopeOf } from '../../lib/core/tenancy.js'
import { getMembership, keptAppIds } from '../../lib/identity/accounts.js'
import { type StreamPoller, startStreamPoller } from '../../scripts/local/stream-poller.js'
import { testEndpoint, useTestTable } from '../support/dynamo.js'
import { openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

const table = useTestTable({ stream: true })

type Tenant = Awaited<ReturnType<typeof openTenant>>

describe('directory changes reach who may use which app (the table stream)', () => {
  let platformToken: string
  let poller: StreamPoller
  const failures: string[] = []
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
    poller = await startStreamPoller({
      endpoint: testEndpoint(),
      tableName: table.tableName,
      handler: accessEvents,
      idleMs: 20,
      onFailure: (e) => failures.push(e),
    })
  })
  afterAll(async () => {
    await poller.stop()
  })
  afterEach(() => {
    expect(failures).toEqual([])
  })

  let n = 0
  const as = (t: Tenant) => ({
    post: (fn: typeof apps, path: string, body: unknown) =>
      call(fn, 'POST', path, { token: t.accessToken, body }),
    put: (path: string, body: unknown) => call(directory, 'PUT', path, { token: t.accessToken, body }),
    del: (fn: typeof apps, path: string) => call(fn, 'DELETE', path, { token: t.accessToken }),
    get: async (fn: typeof apps, path: string, query?: Record<string, string>) =>
      (await call(fn, 'GET', path, { token: t.accessToken, query })).body,
  })
  const member = async (t: Tenant, departmentIds: string[] = []) =>
    (
      await as(t).post(directory, '/v1/members', {
        name: `Person ${++n}`,
        email: `p${n}-${Date.now()}@corp.test`,
        departmentIds,
      })
    ).body.member.memberId as string
  const department = async (t: Tenant, name: string, parentId?: string) =>
    (await as(t).post(directory, '/v1/departments', { name, parentId })).body.deptId as string
  /**
   * The apps a member holds and waits for, from the table (after the stream is handled); the app ids
   * their membership keeps are checked to be exactly those they hold.
   */
  const standing = async (t: Tenant, memberId: string) => {
    await poller.drain()
    const [items, membership] = await Promise.all([
      queryAll(EntitlementEntity, {
        partition: tenantPartition(t.tenant.tenantId),
        prefix: `ENT#${memberId}#`,
        consistent: true,
      }),
      getMembership('tenant', t.tenant.tenantId, memberId),
    ])
    if (membership)
      expect(keptAppIds(membership)).toEqual(
        items.flatMap((i) => (i.state === 'entitled' ? [i.appId] : [])).sort(),
      )
    return Object.fromEntries(items.map((i) => [i.appId, i.state]))
  }

  it('follows a member moved between departments, in and out of groups', async () => {
    const t = await openTenant(platformToken)
    const [sales, support] = [await department(t, 'Sales'), await department(t, 'Support')]
    await as(t).post(apps, '/v1/apps/drive/grants', { departments: [{ id: sales }] })
    const m = await member(t, [support])
    expect(await standing(t, m)).toEqual({})
    await as(t).put(`/v1/members/${m}/departments`, { departmentIds: [sales] })
    expect(await standing(t, m)).toEqual({ drive: 'entitled' })
    await as(t).put(`/v1/members/${m}/departments`, { departmentIds: [support] })
    expect(await standing(t, m)).toEqual({})

    const group = (await as(t).post(directory, '/v1/groups', { name: 'Pilots' })).body.groupId
    await as(t).post(apps, '/v1/apps/calendar/grants', { groups: [group] })
    await as(t).post(directory, `/v1/groups/${group}/members`, { memberIds: [m] })
    expect(await standing(t, m)).toEqual({ calendar: 'entitled' })
    await as(t).del(directory, `/v1/groups/${group}/members/${m}`)
    expect(await standing(t, m)).toEqual({})
  })

  it('follows a department moved under one granted with the departments below it', async () => {
    const t = await openTenant(platformToken)
    const [east, west] = [await department(t, 'East'), await department(t, 'West')]
    const team = await department(t, 'Team', west)
    const m = await member(t, [team])
    await as(t).post(apps, '/v1/apps/drive/grants', {
      departments: [{ id: east, includeSubDepartments: true }],
    })
    expect(await standing(t, m)).toEqual({})
    await call(directory, 'POST', `/v1/departments/${team}/move`, {
      token: t.accessToken,
      body: { parentId: east },
    })
    expect(await standing(t, m)).toEqual({ drive: 'entitled' })
    const why = await as(t).get(apps, `/v1/apps/drive/entitled/${m}`)
    expect(why.grants[0]).toMatchObject({ subject: { id: east }, via: { id: team, name: 'Team' } })
  })

  it("seats a newcomer when one is free, lists them as waiting when not, and hands on a removed member's seat", async () => {
    const t = await openTenant(platformToken)
    await subscribeApp({
      tenantId: t.tenant.tenantId,
      appCode: 'erp-cloud',
      seats: 1,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      instanceId: `${t.tenant.tenantId}.erp-cloud.${newId()}`,
      market: 'koogallery',
    })
    const finance = await department(t, 'Finance')
    const first = await member(t, [finance])
    await as(t).post(apps, '/v1/apps/erp-cloud/grants', { departments: [{ id: finance }] })
    const second = await member(t, [finance])
    expect(await standing(t, second)).toEqual({ 'erp-cloud': 'waiting' })
    const waiting = await as(t).get(apps, '/v1/apps/erp-cloud/entitled', { state: 'waiting' })
    expect(waiting.items.map((i: { memberId: string }) => i.memberId)).toEqual([second])
    const why = await as(t).get(apps, `/v1/apps/erp-cloud/entitled/${second}`)
    expect(why).toMatchObject({ canOpen: false, state: 'waiting', blockers: ['waiting-for-seat'] })

    await as(t).del(directory, `/v1/members/${first}`)
    expect(await standing(t, first)).toEqual({})
    expect(await standing(t, second)).toEqual({ 'erp-cloud': 'entitled' })
  })

  it("drops the rules of a removed member, so one who comes back starts with nothing; an app's own go with it", async () => {
    const t = await openTenant(platformToken)
    const m = await member(t)
    await as(t).post(apps, '/v1/apps/drive/grants', { members: [m] })
    const own = (
      await as(t).post(apps, '/v1/apps', {
        name: 'Ledger',
        clientTypes: ['web'],
        protocol: 'link',
        homeUrl: 'https://ledger.example.com/',
      })
    ).body.appId
    const other = await member(t)
    await as(t).post(apps, `/v1/apps/${own}/grants`, { members: [other] })
    expect(await standing(t, other)).toEqual({ [own]: 'entitled' })

    await as(t).del(directory, `/v1/members/${m}`)
    await poller.drain()
    expect((await as(t).get(apps, '/v1/apps/drive/grants')).items).toEqual([])

    await as(t).del(apps, `/v1/apps/${own}`)
    expect(await standing(t, other)).toEqual({})
    // and nothing of it is left behind (a half-written app item would break the list)
    const list = await call(apps, 'GET', '/v1/apps', { token: t.accessToken, query: { limit: '100' } })
    expect([list.status, list.body.items.some((a: { appId: string }) => a.appId === own)]).toEqual([
      200,
      false,
    ])
  })

  it("repairs a membership's app ids that disagree with what the member holds (a member back before the stream cleared their old standing)", async () => {
    const t = await openTenant(platformToken)
    const sales = await department(t, 'Sales')
    await as(t).post(apps, '/v1/apps/drive/grants', { departments: [{ id: sales }] })
    const m = await member(t, [sales])
    expect(await standing(t, m)).toEqual({ drive: 'entitled' })
    await getDocumentClient().send(
      new UpdateCommand({
        TableName: config().ATRIUM_TABLE_NAME,
        Key: { PK: tenantPartition(t.tenant.tenantId), SK: `MEMBER#${m}` },
        UpdateExpression: 'SET apps = :none',
        ExpressionAttributeValues: { ':none': {} },
      }),
    )
    await reconcileMembers(scopeOf(t.tenant.tenantId), [m])
    expect(await standing(t, m)).toEqual({ drive: 'entitled' })
  })

  it("purges a removed member's attribute values, and every value of a deleted app", async () => {
    const t = await openTenant(platformToken)
    const app = async (name: string) =>
      (
        await as(t).post(apps, '/v1/apps', {
          name,
          clientTypes: ['web'],
          protocol: 'link',
          homeUrl: 'https://erp.example.com/',
          attributes: [{ key: 'ledger', name: 'Ledger' }],
        })
      ).body.appId as string
    const [kept, dropped] = [await app('Kept ERP'), await app('Dropped ERP')]
    const [leaving, staying] = [await member(t), await member(t)]
    for (const appId of [kept, dropped]) {
      for (const memberId of [leaving, staying]) {
        const set = await call(apps, 'PUT', `/v1/apps/${appId}/attributes/${memberId}`, {
          token: t.accessToken,
          body: { values: { ledger: 'L1' } },
        })
        expect(set.status).toBe(200)
      }
    }
    const stored = async () =>
      (
        await queryAll(AttributeValuesEntity, {
          partition: tenantPartition(t.tenant.tenantId),
          prefix: 'APPATTR#',
        })
      )
        .map((v) => `${v.appId}/${v.memberId}`)
        .sort()
    expect(await stored()).toHaveLength(4)

    await as(t).del(directory, `/v1/members/${leaving}`)
    await as(t).del(apps, `/v1/apps/${dropped}`)
    await poller.drain()
    expect(await stored()).toEqual([`${kept}/${staying}`])
  })
})
