import { myApps } from '../access/my-apps.js'
import { getApp } from '../apps/registry.js'
import { scopeOf } from '../core/tenancy.js'
import type { IssuerPlace } from './issuer.js'

/**
 * Where a tile sends the browser. Apps written for the cloud workbench (OAuth2) are launched by the
 * workbench itself: an authorization for their registered callback, which then receives
 * `?code&tenant` without having asked (protocol doc A.7.1); CAS apps get a ticket for their first
 * registered service. Others start at their home address and sign in from there.
 */
export const launchAddress = async (place: IssuerPlace, appId: string): Promise<string | undefined> => {
  const app = await getApp(scopeOf(place.tenantId), appId).catch(() => undefined)
  if (!app) return undefined
  const callback = app.redirectUris[0]
  if (app.protocol === 'oauth2' && app.clientId && callback) {
    const url = new URL(`${place.issuer}/api/v1/oauth2/authorize`)
    url.search = new URLSearchParams({
      client_id: app.clientId,
      response_type: 'code',
      redirect_uri: callback,
      scope: 'get_user_info',
    }).toString()
    return url.href
  }
  const service = app.casServices.find((s) => !s.endsWith('/*'))
  if (app.protocol === 'cas' && service) {
    return `${place.issuer}/api/v1/cas/login?${new URLSearchParams({ service })}`
  }
  return app.homeUrl
}

/** The portal's list: the member's apps that start somewhere, in the order the workbench shows them. */
export const myLaunchableApps = async (place: IssuerPlace, accountId: string) => {
  const { items } = await myApps(scopeOf(place.tenantId), accountId, place.issuer)
  return items.flatMap((a) =>
    a.launchUrl ? [{ name: a.name, launch: a.launchUrl, description: a.description }] : [],
  )
}
