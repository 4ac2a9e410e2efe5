import { handler as marketplace } from '../../functions/marketplace/handler.js'
import { resetConfig } from '../../lib/core/config.js'
import { findTenant, tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { type RunningAwsMarketplace, startAwsMarketplace } from '../../scripts/local/aws-marketplace.js'
import { useTestTable } from '../support/dynamo.js'
import { platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

useTestTable()

// The functions' own SDK clients, unmocked, against the local stack's AWS Marketplace stand-in.
describe('AWS Marketplace stand-in of the local stack', () => {
  let aws: RunningAwsMarketplace
  beforeAll(async () => {
    await platformFixture()
    aws = await startAwsMarketplace({ registrationUrl: 'http://localhost/v1/marketplace/aws/register' })
    process.env.AWS_MARKETPLACE_ENDPOINT = aws.origin
    resetConfig()
  })
  afterAll(async () => {
    await aws.stop()
    delete process.env.AWS_MARKETPLACE_ENDPOINT
    resetConfig()
  })

  const register = (token: string) =>
    call(marketplace, 'POST', '/v1/marketplace/aws/register', {
      rawBody: new URLSearchParams({ 'x-amzn-marketplace-token': token, company: 'Stand-in Co' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })

  it("opens the workbench of the edition a buyer subscribed to, through the SDK's own wire", async () => {
    const { token, customer } = aws.subscribe({ dimension: 'atrium-general-enterprise', months: 12 })
    const opened = await register(token)
    expect(opened.status).toBe(201)
    expect(opened.body).toContain('Stand-in Co is ready')
    const tenantId = (await tenantIdByCustomer(`aws:${customer}`)) as string
    const tenant = await findTenant(tenantId)
    expect(tenant).toMatchObject({
      planCode: 'general.enterprise',
      market: 'aws',
      verification: { method: 'marketplace', reference: customer, by: 'marketplace:aws' },
    })
    // a contract's end is the workbench's
    expect(Date.parse(tenant?.expiresAt as string) - Date.now()).toBeGreaterThan(300 * 86_400_000)
    // the same buyer again: sent on to sign in
    expect((await register(token)).status).toBe(303)
  })

  it('refuses a token it never issued with the failing field', async () => {
    const refused = await register('never-issued')
    expect(refused.status).toBe(400)
    expect(refused.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'body.x-amzn-marketplace-token',
    ])
  })
})
