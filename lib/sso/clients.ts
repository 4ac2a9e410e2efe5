import { clientOf, secretMatches } from '../apps/clients.js'
import { viewOf } from '../apps/registry.js'
import { getTenantApp } from '../apps/tenant-apps.js'
import { randomToken } from '../core/ids.js'
import type { CatalogApp } from '../platform/app-schemas.js'
import { getCatalogApp } from '../platform/catalog-apps.js'

/** The client credentials a request presented (HTTP Basic or the form), checked against the hash. */
export interface PresentedClient {
  clientId: string
  secret: string
  /** in the form body (client_secret_post) rather than HTTP Basic */
  fromForm: boolean
}

/** Never equal to a presented secret: a client whose secret was not proven cannot authenticate. */
const UNPROVEN = `unproven-${randomToken(32)}`

type TenantApp = NonNullable<Awaited<ReturnType<typeof getTenantApp>>>

/**
 * The app behind a client id at one tenant's issuer, as the OpenID provider describes a client:
 * only OAuth2 and OIDC apps of this tenant are clients there. Only a hash of the secret is kept, so
 * the secret the request presented is handed over when it matches the hash, and an unguessable
 * value otherwise (the provider then refuses the client, as for any wrong secret).
 */
export const clientFrom = (
  clientId: string,
  item: TenantApp | undefined,
  catalog: CatalogApp | undefined,
  presented: PresentedClient | undefined,
) => {
  if (!item?.clientSecretHash || item.clientId !== clientId || item.status === 'released') return undefined
  const app = viewOf(item, item.source === 'self-built' ? undefined : catalog)
  if (!['oidc', 'oauth2'].includes(app.protocol)) return undefined
  const proven = presented?.clientId === clientId && secretMatches(presented.secret, item.clientSecretHash)
  return {
    client_id: clientId,
    client_secret: proven ? presented.secret : UNPROVEN,
    client_name: app.name,
    app_code: app.appId,
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.redirectUris,
    ...(app.logoutUrl
      ? { backchannel_logout_uri: app.logoutUrl, backchannel_logout_session_required: true }
      : {}),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // the workbench's apps post their credentials in the form, standard clients use Basic: both work
    token_endpoint_auth_method:
      presented && !presented.fromForm ? 'client_secret_basic' : 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
    subject_type: 'pairwise',
  }
}

/** The client, read on its own (what the request did not read ahead). */
export const clientMetadata = async (tenantId: string, clientId: string, presented?: PresentedClient) => {
  const owner = await clientOf(clientId)
  if (!owner || owner.tenantId !== tenantId) return undefined
  const item = await getTenantApp(tenantId, owner.appCode)
  const catalog = item && item.source !== 'self-built' ? await getCatalogApp(item.appCode) : undefined
  return clientFrom(clientId, item, catalog, presented)
}
