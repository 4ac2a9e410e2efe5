import '../lib/capabilities.js'
import { executeTransactWrite } from 'dynamodb-toolbox'
import { seedBranding } from '../lib/branding/branding.js'
import { DEFAULT_PAGES } from '../lib/content/default-pages.js'
import { seedPage } from '../lib/content/pages.js'
import { nowMs } from '../lib/core/clock.js'
import { AppError } from '../lib/core/errors.js'
import { trustedTenantId } from '../lib/core/tenancy.js'
import { getMembership, prepareAccount, putMembership } from '../lib/identity/accounts.js'
import type { Realm } from '../lib/identity/entities.js'
import { putCatalog } from '../lib/platform/catalog.js'
import { BUILT_IN_APPS, INDUSTRIES, PLANS, SKUS, SUBSCRIBABLE_APPS } from '../lib/platform/seed-data.js'
import { DEFAULT_PORTALS } from '../lib/portal/defaults.js'
import { seedPortal } from '../lib/portal/portals.js'
import { CHANNELS } from '../lib/portal/schemas.js'
import { createTenant } from '../lib/tenants/create-tenant.js'
import { tenantIdByCustomer } from '../lib/tenants/queries.js'
import { getTenantView } from '../lib/tenants/views.js'
import { type DemoMemberLogin, seedDemoOrganisation } from './demo-organisation.js'
import { DEMO_LOGINS } from './local/env.js'

export interface SeedOptions {
  adminIdentifier: string
  adminPassword: string
  demoPassword: string
}

export interface SeedSummary {
  admin: { identifier: string; password: string }
  industryAdmins: { industry: string; identifier: string; password: string }[]
  demoTenant: {
    code: string
    name: string
    adminIdentifier: string
    adminPassword: string
    loginUrl: string
    adminUrl: string
    /** a business admin of the demo organisation */
    member: DemoMemberLogin
  }
}

const DEMO_CUSTOMER = 'demo-customer'
const DEMO_ADMIN = DEMO_LOGINS.demoTenantAdmin

/** An account with a known password and an admin membership in a realm; repeatable. */
const ensureAdmin = async (
  identifier: string,
  password: string,
  realm: Realm,
  ctx: string,
  ctxCode: string,
) => {
  const account = await prepareAccount(identifier, { password })
  const member = await getMembership(realm, ctx, account.accountId)
  const writes = [
    ...account.writes,
    ...(member
      ? []
      : [
          ...putMembership({
            realm,
            ctx,
            ctxCode,
            accountId: account.accountId,
            roles: [`${realm}_admin`],
          }),
        ]),
  ]
  if (writes.length > 0) await executeTransactWrite(...writes)
}

/**
 * The platform's starting data: plans, industries, the built-in app catalog, a system
 * administrator, an administrator per industry and a demo tenant with a small organisation.
 * Safe to run again.
 */
export const seedPlatform = async (options: SeedOptions): Promise<SeedSummary> => {
  const industryAdmins = INDUSTRIES.map((industry) => ({
    industry: industry.code,
    identifier: `${industry.code}-admin@atrium.localhost`,
    password: options.demoPassword,
  }))
  // Independent writes, side by side: hashing the known passwords (scrypt) is most of the time.
  await Promise.all([
    putCatalog({
      plans: PLANS,
      industries: INDUSTRIES,
      apps: [...BUILT_IN_APPS, ...SUBSCRIBABLE_APPS],
      skus: SKUS,
    }),
    ensureAdmin(options.adminIdentifier, options.adminPassword, 'platform', '', 'platform'),
    // the demo tenant's sign-in page inherits its industry's title (names only: no image to host locally)
    seedBranding(
      { level: 'industry', industry: 'industrial' },
      { loginTitle: 'Sign in to your industrial workbench' },
    ),
    // the platform's default portal, published as version 1: industries and tenants inherit it
    ...CHANNELS.map((channel) => seedPortal({ level: 'platform' }, channel, DEFAULT_PORTALS[channel])),
    // the personal centre's product introduction and user guide
    ...Object.entries(DEFAULT_PAGES).map(([slug, page]) => seedPage(slug, page)),
    ...industryAdmins.map((a) => ensureAdmin(a.identifier, a.password, 'industry', a.industry, a.industry)),
    // The demo admin's account exists first, so the tenant links it instead of issuing a one-time password.
    (async () => {
      const demoAdmin = await prepareAccount(DEMO_ADMIN, { password: options.demoPassword })
      if (demoAdmin.writes.length > 0) await executeTransactWrite(...demoAdmin.writes)
    })(),
  ])
  let tenantId = await tenantIdByCustomer(DEMO_CUSTOMER)
  if (!tenantId) {
    try {
      const created = await createTenant(
        {
          customerId: DEMO_CUSTOMER,
          name: 'Demo Manufacturing Co.',
          industry: 'industrial',
          planCode: 'industrial.professional-standard',
          trial: false,
          expiresAt: new Date(nowMs() + 365 * 86_400_000).toISOString(),
          customerLevel: 'V3',
          admin: { identifier: DEMO_ADMIN, name: 'Demo Administrator' },
          verification: { method: 'business-licence', reference: 'DEMO-LICENCE-0001' },
        },
        { actor: 'seed' },
      )
      tenantId = created.tenant.tenantId
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'INSTANCE_EXISTS')) throw err
      tenantId = (await tenantIdByCustomer(DEMO_CUSTOMER)) as string
    }
  }
  const tenant = await getTenantView(tenantId)
  // the id comes from the seed's own lookup of its demo customer
  const member = await seedDemoOrganisation(
    { tenantId: trustedTenantId(tenantId), code: tenant.code },
    options.demoPassword,
  )
  return {
    admin: { identifier: options.adminIdentifier, password: options.adminPassword },
    industryAdmins,
    demoTenant: {
      code: tenant.code,
      name: tenant.name,
      adminIdentifier: DEMO_ADMIN,
      adminPassword: options.demoPassword,
      loginUrl: tenant.urls.userLogin,
      adminUrl: tenant.urls.adminLogin,
      member,
    },
  }
}
