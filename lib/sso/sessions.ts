import type Provider from 'oidc-provider'
import { endBrowserApiSessions } from '../auth/browser-sessions.js'
import type { IssuerPlace } from './issuer.js'
import { tellAppsSignedOut } from './single-logout.js'

const SESSION_COOKIE = '_session'

/** The browser's sign-in at this issuer, from its cookie (the provider's own session record). */
export const sessionOf = async (provider: Provider, cookies: Map<string, string>) => {
  const id = cookies.get(SESSION_COOKIE)
  const session = id ? await provider.Session.find(id) : undefined
  return session?.accountId ? session : undefined
}

/**
 * Ends the browser's sign-in and every grant it made (their codes and tokens go with them), as the
 * provider's own logout does, and the API sessions the web workbench was handed from it, and tells
 * the apps that asked to hear of it. Answers where to send
 * the browser: `wanted` only when one of the apps signed in through this session registered it
 * exactly, never an address nobody registered.
 */
export const endBrowserSession = async (
  provider: Provider,
  place: IssuerPlace,
  cookies: Map<string, string>,
  wanted: string | undefined,
): Promise<string | undefined> => {
  const session = await sessionOf(provider, cookies)
  if (!session) return undefined
  await tellAppsSignedOut(provider, place.tenantId, session, { oidc: true })
  const clientIds = Object.keys(session.authorizations ?? {})
  const registered = new Set<string>()
  for (const clientId of clientIds) {
    const grantId = session.grantIdFor(clientId)
    if (grantId) {
      await provider.Grant.find(grantId).then((g) => g?.destroy())
      await provider.AccessToken.revokeByGrantId(grantId)
    }
    const client = await provider.Client.find(clientId)
    for (const uri of [...(client?.redirectUris ?? []), ...(client?.postLogoutRedirectUris ?? [])]) {
      registered.add(uri)
    }
  }
  await session.destroy()
  await endBrowserApiSessions(place.tenantId, session.uid)
  return wanted !== undefined && registered.has(wanted) ? wanted : undefined
}
