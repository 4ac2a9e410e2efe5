import { handler as appsHandler } from '../../functions/apps/handler.js'
import { handler as authHandler } from '../../functions/auth/handler.js'
import { handler as tenantsHandler } from '../../functions/tenants/handler.js'
import { seedPlatform } from '../../scripts/seed.js'
import { call } from './lambda.js'
import { lastCode } from './outbox.js'

export const SEED = {
  adminIdentifier: 'root@atrium.test',
  adminPassword: 'Root-password-1',
  demoPassword: 'Demo-password-1',
}

export const login = async (identifier: string, password: string, extra: Record<string, string> = {}) => {
  const res = await call(authHandler, 'POST', '/v1/auth/login', { body: { identifier, password, ...extra } })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

let customer = 0

/** Opens a tenant through the API and returns its admin, password already changed. */
export const openTenant = async (
  platformToken: string,
  overrides: {
    industry?: string
    planCode?: string
    customerId?: string
    /** an existing account's identifier and password: the tenant links it */
    existing?: { identifier: string; password: string }
  } = {},
) => {
  const identifier = overrides.existing?.identifier ?? `admin${++customer}-${Date.now()}@tenant.test`
  const res = await call(tenantsHandler, 'POST', '/v1/tenants', {
    token: platformToken,
    body: {
      customerId: overrides.customerId ?? `cust-${customer}-${Date.now()}`,
      name: `Tenant ${customer}`,
      industry: overrides.industry ?? 'office',
      planCode: overrides.planCode ?? 'general.professional',
      expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      customerLevel: 'V2',
      admin: { identifier, name: 'Tenant Admin' },
      verification: { method: 'business-licence', reference: 'LIC-0001' },
    },
  })
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`)
  if (overrides.existing) {
    const session = await login(identifier, overrides.existing.password, { tenantCode: res.body.tenant.code })
    return { tenant: res.body.tenant, identifier, password: overrides.existing.password, ...session }
  }
  const first = await login(identifier, res.body.admin.initialPassword)
  const password = 'Changed-password-1'
  const changed = await activate(first.accessToken, identifier, res.body.admin.initialPassword, password)
  if (changed.status !== 200) throw new Error(`password change failed: ${JSON.stringify(changed.body)}`)
  return {
    tenant: res.body.tenant,
    identifier,
    password,
    accessToken: changed.body.accessToken as string,
    refreshToken: changed.body.refreshToken as string,
  }
}

/**
 * Replaces a one-time password, proving the login identifier with the code the outbox shows (what
 * a person does at their first login).
 */
export const activate = async (
  token: string,
  identifier: string,
  oneTimePassword: string,
  newPassword: string,
) => {
  const asked = await call(authHandler, 'POST', '/v1/auth/codes', {
    body: { identifier, purpose: 'activate' },
  })
  if (asked.status !== 202)
    throw new Error(`code request failed: ${asked.status} ${JSON.stringify(asked.body)}`)
  return call(authHandler, 'POST', '/v1/auth/password', {
    token,
    body: { currentPassword: oneTimePassword, newPassword, verificationCode: await lastCode(identifier) },
  })
}

/** Seed, the system admin's token, an office industry admin's token. */
export const platformFixture = async () => {
  const summary = await seedPlatform(SEED)
  const platform = await login(SEED.adminIdentifier, SEED.adminPassword)
  const office = await login('office-admin@atrium.localhost', SEED.demoPassword)
  return { summary, platformToken: platform.accessToken as string, officeToken: office.accessToken as string }
}

export { addPlainMember } from './bare-members.js'

/** A self-built OAuth2 app the tenant admin registers (a provider's app, in the provisioning tests). */
export const registerOAuth2App = async (token: string, name: string, requestedFields: string[] = []) => {
  const host = name.toLowerCase().replace(/[^a-z0-9]+/g, '-')
  const res = await call(appsHandler, 'POST', '/v1/apps', {
    token,
    body: {
      name,
      protocol: 'oauth2',
      clientTypes: ['web'],
      redirectUris: [`https://${host}.example.test/cb`],
      requestedFields,
    },
  })
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.appId as string
}
