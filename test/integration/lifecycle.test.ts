import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as scheduled } from '../../functions/lifecycle/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { subscribeApp } from '../../lib/apps/subscriptions.js'
import { getTenantApp } from '../../lib/apps/tenant-apps.js'
import { advanceClock, nowMs, resetClock } from '../../lib/core/clock.js'
import { config } from '../../lib/core/config.js'
import { cipherFor, forgetCiphers, tenantScope } from '../../lib/core/crypto/data-keys.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { runLifecycle } from '../../lib/lifecycle/run.js'
import { createTenant } from '../../lib/tenants/create-tenant.js'
import { listHistory } from '../../lib/tenants/history.js'
import { renewTenant } from '../../lib/tenants/lifecycle.js'
import { listNotices } from '../../lib/tenants/notices.js'
import { findTenant, tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, platformFixture, SEED } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

const DAY = 86_400_000
let n = 0

const open = async (daysToExpiry: number, customerLevel = 'V0') => {
  const created = await createTenant(
    {
      customerId: `life-${++n}`,
      name: `Life ${n}`,
      industry: 'office',
      planCode: 'general.professional',
      trial: false,
      expiresAt: new Date(nowMs() + daysToExpiry * DAY).toISOString(),
      customerLevel,
      admin: { name: 'Admin' },
      verification: { method: 'business-licence', reference: `LIC-${n}` },
    },
    { actor: 'test' },
  )
  return created.tenant
}

const partitionSize = async (tenantId: string) => {
  const out = await getDocumentClient().send(
    new QueryCommand({
      TableName: config().ATRIUM_TABLE_NAME,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `T#${tenantId}` },
      ProjectionExpression: 'SK',
    }),
  )
  return (out.Items ?? []).map((i) => i.SK as string)
}

const actions = async (tenantId: string) => (await listHistory(tenantId, 100)).items.map((e) => e.action)

describe('the scheduled lifecycle', () => {
  beforeAll(async () => {
    await platformFixture()
  })
  afterEach(() => resetClock())

  it('freezes at expiry, releases after retention, purges in batches, each once', async () => {
    const due = await open(2)
    const notDue = await open(400)
    const member = await addPlainMember(due)
    advanceClock(3 * DAY)
    const first = await runLifecycle()
    expect(first.outcomes.frozen).toBeGreaterThanOrEqual(1)
    expect((await findTenant(due.tenantId))?.status).toBe('frozen')
    expect((await findTenant(notDue.tenantId))?.status).toBe('active')
    await runLifecycle()
    expect((await actions(due.tenantId)).filter((a) => a === 'frozen')).toHaveLength(1)

    // V0 customers are kept 15 days; inside them nothing more happens.
    advanceClock(10 * DAY)
    await runLifecycle()
    expect((await findTenant(due.tenantId))?.status).toBe('frozen')
    advanceClock(6 * DAY)
    const release = await runLifecycle({ purgeBudget: 3 })
    expect(release.outcomes.released).toBeGreaterThanOrEqual(1)
    const released = await findTenant(due.tenantId)
    expect(released?.status).toBe('released')
    forgetCiphers()
    expect(await cipherFor(tenantScope(due.tenantId))).toBeUndefined()
    expect(await tenantIdByCustomer(due.customerId)).toBeUndefined()
    const login = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: member.identifier, password: member.password },
    })
    expect(login.status).toBe(403)

    // Purge: three items a run, until only the record and its history remain.
    let runs = 0
    while (
      (await partitionSize(due.tenantId)).some((sk) => sk !== 'TENANT' && !sk.startsWith('HIST#')) &&
      runs < 20
    ) {
      await runLifecycle({ purgeBudget: 3 })
      runs++
    }
    expect(runs).toBeGreaterThan(1)
    const left = await partitionSize(due.tenantId)
    expect(left.every((sk) => sk === 'TENANT' || sk.startsWith('HIST#'))).toBe(true)
    expect((await findTenant(due.tenantId))?.DUESK).toBeUndefined()
    expect(await actions(due.tenantId)).toEqual(['released', 'frozen', 'opened'])
    // The system admin still reads the record and its history; nobody else sees the tenant.
    const root = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: SEED.adminIdentifier, password: SEED.adminPassword },
    })
    const history = await call(tenants, 'GET', `/v1/tenants/${due.tenantId}/history`, {
      token: root.body.accessToken,
    })
    expect(history.body.items.map((e: { actor: string }) => e.actor)).toEqual([
      'scheduler',
      'scheduler',
      'test',
    ])
    const record = await call(tenants, 'GET', `/v1/tenants/${due.tenantId}`, { token: root.body.accessToken })
    expect(record.body.status).toBe('released')
  })

  it('handles every due item exactly once across a run killed midway and its re-run', async () => {
    const tenants = await Promise.all(Array.from({ length: 8 }, () => open(1)))
    advanceClock(2 * DAY)
    const partial = await runLifecycle({ limit: 3 })
    expect(partial.due).toBe(3)
    expect(partial.more).toBe(true)
    await Promise.all([runLifecycle(), runLifecycle()])
    for (const t of tenants) {
      expect((await findTenant(t.tenantId))?.status).toBe('frozen')
      expect((await actions(t.tenantId)).filter((a) => a === 'frozen')).toHaveLength(1)
    }
  })

  it('records the 7-day and 1-day reminders once, and skips those a renewal made stale', async () => {
    const t = await open(10)
    advanceClock(3.5 * DAY)
    await runLifecycle()
    await runLifecycle()
    expect((await listNotices(t.tenantId, 10)).items.map((i) => i.daysBefore)).toEqual([7])
    advanceClock(6 * DAY)
    await runLifecycle()
    expect((await listNotices(t.tenantId, 10)).items.map((i) => i.daysBefore).sort()).toEqual([1, 7])

    const renewed = await open(10)
    await renewTenant(renewed.tenantId, new Date(nowMs() + 100 * DAY).toISOString(), { actor: 'test' })
    advanceClock(3.5 * DAY)
    await runLifecycle()
    expect((await listNotices(renewed.tenantId, 10)).items).toHaveLength(0)
  })

  it('expires an app subscription at its expiry and keeps it on the tenant', async () => {
    const t = await open(300)
    await subscribeApp({
      tenantId: t.tenantId,
      appCode: 'erp-cloud',
      seats: 20,
      expiresAt: new Date(nowMs() + 5 * DAY).toISOString(),
      instanceId: `${t.tenantId}.erp-cloud.x`,
      market: 'koogallery',
    })
    advanceClock(6 * DAY)
    const report = await runLifecycle()
    expect(report.outcomes.expired).toBeGreaterThanOrEqual(1)
    expect(await getTenantApp(t.tenantId, 'erp-cloud')).toMatchObject({ status: 'expired', seats: 20 })
  })

  it('runs as the scheduled function: freeze, then release and purge', async () => {
    const t = await open(1)
    await addPlainMember(t)
    advanceClock(2 * DAY)
    expect((await scheduled({})).outcomes.frozen).toBeGreaterThanOrEqual(1)
    expect((await findTenant(t.tenantId))?.status).toBe('frozen')
    advanceClock(16 * DAY)
    for (let run = 0; run < 3; run++) await scheduled({})
    expect((await findTenant(t.tenantId))?.status).toBe('released')
    expect((await partitionSize(t.tenantId)).every((sk) => sk === 'TENANT' || sk.startsWith('HIST#'))).toBe(
      true,
    )
  })
})
