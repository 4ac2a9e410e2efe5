/**
 * What a tenant admin does in Atrium to hand an app to the stand-in provider, through the public
 * API as anyone would: log in, register (or find by name) an OAuth2 app whose redirect URI is the
 * provider's /callback, bind its provisioning to the provider (workbench-v2), grant it to a member.
 * Atrium then sends the provider the tenant, the credentials, the departments and the member.
 */
export interface WiringOptions {
  /** the API's base URL, e.g. http://localhost:3000 */
  api: string
  admin: { identifier: string; password: string; tenantCode?: string }
  /** the member to grant the app to: a mobile number, an e-mail address or a full name (exact) */
  member: string
  provider: { origin: string; accessKey: string; publicKeyPem: string }
  appName?: string
}

export interface Wiring {
  tenant: { tenantId: string; code: string; name: string }
  appId: string
  clientId: string
  member: { memberId: string; accountName: string; name: string; login: string }
  /** bound now, or bound before and asked to resync */
  bound: 'bound' | 'resynced'
  /** the admin's access token, for a look at the status */
  token: string
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field
type Json = any

export const PROVIDER_APP_NAME = 'Provider demo'

export const wireProvider = async (options: WiringOptions): Promise<Wiring> => {
  const { api, provider } = options
  const appName = options.appName ?? PROVIDER_APP_NAME
  const callback = `${provider.origin}/callback`
  let token = ''
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    const json = text ? (JSON.parse(text) as Json) : undefined
    if (!res.ok) {
      const error = json?.error
      throw new Error(`${method} ${path}: HTTP ${res.status} ${error?.code ?? ''} ${error?.message ?? text}`)
    }
    return json
  }

  const session = await call('POST', '/v1/auth/login', {
    identifier: options.admin.identifier,
    password: options.admin.password,
    ...(options.admin.tenantCode ? { tenantCode: options.admin.tenantCode } : {}),
  })
  if (!session.accessToken || session.realm !== 'tenant')
    throw new Error(`${options.admin.identifier} is no tenant administrator here (give the tenant code)`)
  token = session.accessToken

  // the app: found by name, its redirect URI made the provider's (the port may have changed)
  let found: Json
  let cursor: string | undefined
  do {
    const listed = await call(
      'GET',
      `/v1/apps?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    found = listed.items.find((a: Json) => a.name === appName && a.protocol === 'oauth2')
    cursor = listed.nextCursor
  } while (!found && cursor)
  const app: Json = found
    ? JSON.stringify(found.redirectUris) === JSON.stringify([callback])
      ? found
      : await call('PATCH', `/v1/apps/${found.appId}`, {
          redirectUris: [callback],
          homeUrl: `${provider.origin}/`,
        })
    : (
        await call('POST', '/v1/apps', {
          name: appName,
          protocol: 'oauth2',
          clientTypes: ['web'],
          homeUrl: `${provider.origin}/`,
          redirectUris: [callback],
        })
      ).app

  // bound before (an earlier run): bound again, then everything sent again, since what the
  // provider kept may be gone; bound now: the binding itself sends everything
  const before = await call('GET', `/v1/apps/${app.appId}/provisioning`)
  await call('PUT', `/v1/apps/${app.appId}/provisioning`, {
    dialect: 'workbench-v2',
    baseUrl: provider.origin,
    accessKey: provider.accessKey,
    publicKeyPem: provider.publicKeyPem,
  })
  const bound = before.dialect === 'none' ? 'bound' : 'resynced'
  if (bound === 'resynced') await call('POST', `/v1/apps/${app.appId}/provisioning/resync`)

  const members = await call('GET', `/v1/members?q=${encodeURIComponent(options.member)}&limit=2`)
  const member = members.items[0]
  if (!member || members.items.length > 1) throw new Error(`no one member is ${options.member}`)
  await call('POST', `/v1/apps/${app.appId}/grants`, { members: [member.memberId] })

  return {
    tenant: { tenantId: session.tenant.tenantId, code: session.tenant.code, name: session.tenant.name },
    appId: app.appId,
    clientId: app.clientId,
    member: {
      memberId: member.memberId,
      accountName: member.accountName,
      name: member.name,
      login: member.mobile ?? member.email ?? options.member,
    },
    bound,
    token,
  }
}
