import Provider, { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider'
import { type OutboundOptions, outboundFetch } from '../core/http/outbound.js'
import { errorSite, log } from '../core/log.js'
import type { TenantId } from '../core/tenancy.js'
import { accountName } from '../directory/member-record.js'
import { oidcClaims } from './claims.js'
import { clientMetadata } from './clients.js'
import { SSO_TTL, ssoKeys } from './keys.js'
import { brandedPlace } from './page-branding.js'
import { renderLoggedOut, renderLogoutConfirm, renderProviderError } from './pages.js'
import { identityFor } from './read-ahead.js'
import { ssoRequest } from './request-context.js'
import { commitWrites, ssoStore } from './store.js'

/** Where an issuer lives: the tenant and the origin+path its URLs are built on. */
export interface IssuerPlace {
  tenantId: TenantId
  tenantCode: string
  tenantName: string
  /** the tenant's industry: its sign-in pages inherit the industry's branding */
  industry: string
  /** `<origin>/t/<code>` locally, the tenant's own domain when deployed */
  issuer: string
}

/** The path of an issuer's addresses: `/t/<code>`, or nothing on the tenant's own domain. */
export const issuerPath = (place: IssuerPlace) => new URL(place.issuer).pathname.replace(/\/$/, '')

/** The portal: the workbench's own sign-in page, a public client of every tenant's issuer. */
export const PORTAL_CLIENT = 'atrium-workbench'

export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'phone', 'get_user_info'] as const

/** Which claims each scope releases; the member's data beyond these never leaves (see claims.ts). */
const CLAIMS = {
  openid: ['sub'],
  profile: [
    'name',
    'preferred_username',
    'role',
    'tenant',
    'tenant_name',
    'organization_code',
    'organization_name',
    'employee_number',
    'position',
    'departments',
    'attributes',
  ],
  email: ['email'],
  phone: ['phone_number'],
}

const appCodeOf = (ctx: KoaContextWithOIDC) =>
  (ctx.oidc.client?.metadata() as { app_code?: string } | undefined)?.app_code

/**
 * The member behind a session or a token, as this client may see them; undefined (refused) when
 * they may not use the client's app any more: no longer granted or seated, disabled, removed, the
 * app switched off or lapsed, the tenant frozen or released. So codes, refresh tokens and userinfo
 * die with what they stand for, checked at every use.
 */
const findAccount =
  (tenantId: TenantId): Configuration['findAccount'] =>
  async (ctx, accountId) => {
    const appCode = appCodeOf(ctx)
    if (appCode === undefined) return { accountId, claims: () => ({ sub: accountId }) }
    const verdict = await identityFor(tenantId, appCode, accountId)
    if (!verdict.ok) {
      ssoRequest().refusal = verdict.refusal
      return undefined
    }
    const claims = oidcClaims(verdict.identity)
    return { accountId, claims: () => claims }
  }

/** A signed-in member who may not use the app gets a page that says why, never a code. */
const entitlement = new interactionPolicy.Check(
  'not_entitled',
  'the member may not use this app',
  'access_denied',
  async (ctx) => {
    const accountId = ctx.oidc.session?.accountId
    const appCode = appCodeOf(ctx)
    if (!accountId || appCode === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT
    const verdict = await identityFor(tenantOf(ctx), appCode, accountId)
    if (verdict.ok) return interactionPolicy.Check.NO_NEED_TO_PROMPT
    ssoRequest().refusal = verdict.refusal
    return interactionPolicy.Check.REQUEST_PROMPT
  },
  () => ({ refusal: ssoRequest().refusal }),
)

const tenantIds = new WeakMap<Provider, TenantId>()
const tenantOf = (ctx: KoaContextWithOIDC) => tenantIds.get(ctx.oidc.provider) as TenantId

/** Admins granted the app; there is no consent screen: the grant covers what the client asks. */
const loadExistingGrant: Configuration['loadExistingGrant'] = async (ctx) => {
  const { client, session, params, provider } = ctx.oidc
  if (!client || !session?.accountId) return undefined
  const requested = String(params?.scope ?? '')
    .split(' ')
    .filter((s) => (SCOPES as readonly string[]).includes(s))
  const grantId = session.grantIdFor(client.clientId)
  const existing = grantId ? await provider.Grant.find(grantId) : undefined
  const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId })
  const missing = requested.filter((s) => !grant.getOIDCScope().split(' ').includes(s))
  if (existing && missing.length === 0) return existing
  grant.addOIDCScope(requested.join(' '))
  await grant.save()
  return grant
}

const policy = () => {
  const prompts = interactionPolicy.base()
  prompts.get('login')?.checks.add(entitlement)
  return prompts
}

const configuration = (place: IssuerPlace, privateJwks: object[]): Configuration => {
  const secure = place.issuer.startsWith('https:')
  const path = issuerPath(place)
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure, path: path || '/' }
  return {
    adapter: ssoStore(place.tenantId, async (clientId) =>
      clientMetadata(place.tenantId, clientId, ssoRequest().presented),
    ),
    jwks: { keys: privateJwks as never },
    clients: [
      {
        client_id: PORTAL_CLIENT,
        client_name: 'Workbench',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${place.issuer}/login`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    // the app a token was issued for travels with it: userinfo needs no client lookup
    extraTokenClaims: async (ctx) => {
      const appCode = appCodeOf(ctx)
      return appCode === undefined ? undefined : { app_code: appCode }
    },
    findAccount: findAccount(place.tenantId),
    loadExistingGrant,
    // the provider keeps the member's own id; apps see only the tenant's account name for them
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx, accountId) => accountName(place.tenantId, accountId),
    scopes: [...SCOPES],
    claims: CLAIMS,
    extraClientMetadata: { properties: ['app_code'] },
    interactions: {
      policy: policy(),
      url: (_ctx, interaction) => `${path}/interaction/${interaction.uid}`,
    },
    routes: {
      authorization: '/api/v1/oauth2/authorize',
      token: '/api/v1/oauth2/token',
      userinfo: '/api/v1/oauth2/userinfo',
      jwks: '/api/v1/oauth2/jwks',
      end_session: '/api/v1/oauth2/logout',
      revocation: '/api/v1/oauth2/revoke',
    },
    features: {
      devInteractions: { enabled: false },
      // apps that registered a logout URL hear of a sign-out (lib/sso/single-logout.ts)
      backchannelLogout: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html'
          ctx.body = renderLogoutConfirm(await brandedPlace(place), form)
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html'
          ctx.body = renderLoggedOut(await brandedPlace(place))
        },
      },
    },
    pkce: { required: () => false },
    // every client may refresh; the refresh token turns over at each use (reuse revokes the grant)
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // tokens outlive the browser's day but not a logout (end_session revokes the session's grants)
    expiresWithSession: async () => false,
    ttl: { ...SSO_TTL },
    cookies: { long: cookie, short: cookie, keys: [] },
    renderError: async (ctx, out) => {
      ctx.type = 'html'
      ctx.body = renderProviderError(await brandedPlace(place), out, ssoRequest().refusal)
    },
    clientBasedCORS: () => false,
    // back-channel logout tokens go to addresses tenants typed in: never to special-use addresses
    fetch: (url, options) =>
      outboundFetch(url instanceof Request ? url.url : url, options as OutboundOptions),
    conformIdTokenClaims: false,
  }
}

const cache = new Map<string, { provider: Provider; kid: string }>()
const CACHE_LIMIT = 100

/**
 * The OpenID provider of one tenant's issuer. Cheap to build (about a millisecond), kept per issuer
 * in the container, rebuilt when the signing key rotates.
 */
export const providerFor = async (place: IssuerPlace): Promise<Provider> => {
  const key = await ssoKeys.current()
  const cached = cache.get(place.issuer)
  if (cached && cached.kid === key.kid) return cached.provider
  const provider = new Provider(place.issuer, configuration(place, await ssoKeys.privateJwks()))
  // the handler sets the forwarded protocol and host from what it trusts (see functions/sso)
  provider.proxy = true
  tenantIds.set(provider, place.tenantId)
  // what the provider writes while answering lands in one transaction once it has answered
  provider.use(async (ctx, next) => {
    const request = ssoRequest()
    const writes = new Map<string, unknown>()
    request.writes = writes
    try {
      await next()
    } finally {
      request.writes = undefined
    }
    if (writes.size === 0) return
    try {
      await commitWrites(writes)
    } catch (err) {
      if ((err as Error).name !== 'TransactionCanceledException') throw err
      // another request used the code or refresh token first: this one gets nothing
      ctx.status = 400
      ctx.remove('set-cookie')
      ctx.body = { error: 'invalid_grant', error_description: 'grant request is invalid' }
    }
  })
  // apps written for the cloud workbench look up their credentials by the tenant the code comes with
  provider.use(async (ctx, next) => {
    await next()
    const route = (ctx as unknown as KoaContextWithOIDC).oidc?.route
    const location = ctx.response.get('location')
    if ((route === 'authorization' || route === 'resume') && location && /[?&]code=/.test(location)) {
      const url = new URL(location)
      url.searchParams.set('tenant', place.tenantId)
      ctx.response.set('location', url.href)
    }
  })
  provider.on('server_error', (_ctx, err) => log.error('sso provider failed', errorSite(err)))
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
  cache.set(place.issuer, { provider, kid: key.kid })
  return provider
}
