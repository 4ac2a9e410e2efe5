import { grantApp } from '../lib/access/grants.js'
import { GrantBody } from '../lib/access/schemas.js'
import { registerApp } from '../lib/apps/registry.js'
import { RegisterAppBody } from '../lib/apps/schemas.js'
import { PERMISSIONS } from '../lib/core/auth/permissions.js'
import { systemContext, type TenantContext, type TenantScope } from '../lib/core/tenancy.js'

export interface DemoApps {
  oidc: { appId: string; clientId: string; clientSecret: string }
  workbench: { appId: string; clientId: string; clientSecret: string }
  cas: { appId: string }
}

/**
 * The demo tenant's own apps, one per sign-in protocol, pointing at the demo relying party that
 * `npm start` serves (scripts/local/demo-app.ts), granted to the demo member: a newcomer clicks
 * through each sign-in from the banner.
 */
export const seedDemoApps = async (
  tenant: TenantScope & { code: string },
  memberId: string,
  origin: string,
): Promise<DemoApps> => {
  const system = systemContext(tenant, 'seed')
  const ctx: TenantContext = { ...system, actor: { ...system.actor, permissions: PERMISSIONS } }
  const register = async (name: string, body: Record<string, unknown>) => {
    const registered = await registerApp(
      ctx,
      RegisterAppBody.parse({ name, clientTypes: ['web'], homeUrl: `${origin}/`, ...body }),
    )
    await grantApp(ctx, registered.appId, GrantBody.parse({ members: [memberId] }))
    return registered
  }
  const oidc = await register('Demo OIDC app', {
    protocol: 'oidc',
    redirectUris: [`${origin}/oidc/callback`],
  })
  const workbench = await register('Demo workbench app (OAuth2)', {
    protocol: 'oauth2',
    redirectUris: [`${origin}/workbench/callback`],
  })
  const cas = await register('Demo CAS app', { protocol: 'cas', casServices: [`${origin}/cas/callback`] })
  return {
    oidc: { appId: oidc.appId, clientId: oidc.clientId as string, clientSecret: oidc.clientSecret as string },
    workbench: {
      appId: workbench.appId,
      clientId: workbench.clientId as string,
      clientSecret: workbench.clientSecret as string,
    },
    cas: { appId: cas.appId },
  }
}
