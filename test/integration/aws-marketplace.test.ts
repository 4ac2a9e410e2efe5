import {
  GetEntitlementsCommand,
  MarketplaceEntitlementServiceClient,
} from '@aws-sdk/client-marketplace-entitlement-service'
import { MarketplaceMeteringClient, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering'
import type { SQSEvent } from 'aws-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { handler as auth } from '../../functions/auth/handler.js'
import { handler as marketplace } from '../../functions/marketplace/handler.js'
import { handler as events } from '../../functions/marketplace-events/handler.js'
import { config } from '../../lib/core/config.js'
import { listHistory } from '../../lib/tenants/history.js'
import { findTenant, tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { useTestTable } from '../support/dynamo.js'
import { platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

// AWS Marketplace itself cannot run here: its two APIs are mocked; everything else is real.
const metering = mockClient(MarketplaceMeteringClient)
const entitlements = mockClient(MarketplaceEntitlementServiceClient)

const entitled = (dimension: string, expires = new Date(Date.now() + 365 * 86_400_000)) => {
  entitlements.on(GetEntitlementsCommand).resolves({
    Entitlements: [{ Dimension: dimension, ExpirationDate: expires, Value: { IntegerValue: 1 } }],
  })
}

const register = (token: string, fields: Record<string, string> = {}) =>
  call(marketplace, 'POST', '/v1/marketplace/aws/register', {
    rawBody: new URLSearchParams({ 'x-amzn-marketplace-token': token, ...fields }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })

let messages = 0
const sqsEvent = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((b) => ({
    messageId: `m-${++messages}`,
    receiptHandle: 'r',
    body: typeof b === 'string' ? b : JSON.stringify({ Type: 'Notification', Message: JSON.stringify(b) }),
    attributes: {} as never,
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
    awsRegion: 'us-east-1',
  })),
})

const notify = (action: string, customer: string) => ({
  action,
  'customer-identifier': customer,
  'product-code': 'prod-atrium',
})

describe('AWS Marketplace', () => {
  beforeAll(async () => {
    await platformFixture()
  })
  beforeEach(() => {
    metering.reset()
    entitlements.reset()
  })

  it('opens the buyer a workbench from the registration token, once', async () => {
    metering
      .on(ResolveCustomerCommand)
      .resolves({ CustomerIdentifier: 'cust-a', ProductCode: 'prod-atrium', CustomerAWSAccountId: '123' })
    entitled('atrium-general-enterprise')
    const first = await register('token-a', { email: 'buyer-a@corp.test', company: 'Corp A' })
    expect(first.status).toBe(201)
    expect(first.headers['content-type']).toContain('text/html')
    const password = /one-time password <code>([^<]+)<\/code>/.exec(first.body)?.[1] as string
    const login = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: 'buyer-a@corp.test', password },
    })
    expect(login.body.tenant.name).toBe('Corp A')
    const t = await findTenant(login.body.tenant.tenantId)
    expect(t).toMatchObject({
      customerId: 'aws:cust-a',
      planCode: 'general.enterprise',
      verification: { method: 'marketplace', reference: 'cust-a', by: 'marketplace:aws' },
    })
    expect(metering.commandCalls(ResolveCustomerCommand)[0]?.args[0].input).toEqual({
      RegistrationToken: 'token-a',
    })
    const again = await register('token-a2')
    expect(again.status).toBe(303)
    expect(again.headers.location).toBe(`${config().PUBLIC_API_URL}/t/${t?.code}/`)
  })

  it("never links a login someone already has to the buyer's workbench: an address that has one gets a login we issue", async () => {
    metering
      .on(ResolveCustomerCommand)
      .resolves({ CustomerIdentifier: 'cust-typed', ProductCode: 'prod-atrium', CustomerAWSAccountId: '789' })
    entitled('atrium-general-enterprise')
    // The system administrator's address, typed by a buyer.
    const page = await register('token-typed', { email: 'root@atrium.test', company: 'Typed Co' })
    expect(page.status).toBe(201)
    const userName = /Sign in as <code>([^<]+)<\/code>/.exec(page.body)?.[1] as string
    const password = /one-time password <code>([^<]+)<\/code>/.exec(page.body)?.[1] as string
    expect(userName).not.toBe('root@atrium.test')
    expect(userName).toMatch(/^admin@[a-z0-9]+\./)
    const buyer = await call(auth, 'POST', '/v1/auth/login', { body: { identifier: userName, password } })
    expect(buyer.body.tenant.name).toBe('Typed Co')
    // The address's owner was not made an administrator of a workbench they never asked for.
    const root = await call(auth, 'POST', '/v1/auth/login', {
      body: { identifier: 'root@atrium.test', password: 'Root-password-1' },
    })
    expect(root.body.realm).toBe('platform')
  })

  it('refuses an invalid token with the failing field, and a buyer without entitlement', async () => {
    metering
      .on(ResolveCustomerCommand)
      .rejects(Object.assign(new Error('bad'), { name: 'InvalidTokenException' }))
    const bad = await register('garbage')
    expect(bad.status).toBe(400)
    expect(bad.body.error.details[0].path).toBe('body.x-amzn-marketplace-token')
    const missing = await call(marketplace, 'POST', '/v1/marketplace/aws/register', {
      rawBody: 'email=x@y.z',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(missing.status).toBe(400)
    metering
      .on(ResolveCustomerCommand)
      .resolves({ CustomerIdentifier: 'cust-none', ProductCode: 'prod-atrium' })
    entitlements.on(GetEntitlementsCommand).resolves({ Entitlements: [] })
    expect((await register('token-none')).status).toBe(409)
    expect(await tenantIdByCustomer('aws:cust-none')).toBeUndefined()
  })

  it('follows entitlement updates and unsubscriptions, idempotently, reporting only failed messages', async () => {
    metering.on(ResolveCustomerCommand).resolves({ CustomerIdentifier: 'cust-b', ProductCode: 'prod-atrium' })
    entitled('atrium-general-professional')
    await register('token-b')
    const tenantId = (await tenantIdByCustomer('aws:cust-b')) as string

    entitled('atrium-general-enterprise', new Date('2099-06-30T00:00:00Z'))
    const update = sqsEvent(notify('entitlement-updated', 'cust-b'))
    expect((await events(update)).batchItemFailures).toEqual([])
    expect((await events(update)).batchItemFailures).toEqual([])
    expect(await findTenant(tenantId)).toMatchObject({
      planCode: 'general.enterprise',
      expiresAt: '2099-06-30T00:00:00.000Z',
    })

    const mixed = sqsEvent(notify('unsubscribe-pending', 'cust-b'), 'not json', {
      action: 'subscribe-success',
    })
    const result = await events(mixed)
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      mixed.Records[1]?.messageId,
      mixed.Records[2]?.messageId,
    ])

    const unsubscribe = sqsEvent(notify('unsubscribe-success', 'cust-b'))
    await events(unsubscribe)
    await events(unsubscribe)
    expect((await findTenant(tenantId))?.status).toBe('frozen')
    const actions = (await listHistory(tenantId, 50)).items.map((e) => e.action)
    expect(actions.filter((a) => a === 'frozen')).toHaveLength(1)
    expect(actions).toContain('unsubscribe-pending')

    // Subscribing again inside the retention period restores the workbench.
    entitled('atrium-general-enterprise', new Date('2100-01-01T00:00:00Z'))
    await events(sqsEvent(notify('subscribe-success', 'cust-b')))
    expect(await findTenant(tenantId)).toMatchObject({
      status: 'active',
      expiresAt: '2100-01-01T00:00:00.000Z',
    })
  })

  it('waits for registration: a notification for an unknown buyer changes nothing', async () => {
    entitled('atrium-general-professional')
    expect((await events(sqsEvent(notify('subscribe-success', 'cust-later')))).batchItemFailures).toEqual([])
    expect(await tenantIdByCustomer('aws:cust-later')).toBeUndefined()
  })
})
