import { html } from '../../../lib/sso/pages.js'
import type { ProviderState, ProviderTenant } from './state.js'

/**
 * The stand-in provider's pages: what it received, and who signed in. Every value it shows came
 * from elsewhere (Atrium's sync, the issuer's userinfo) and is HTML-escaped; no script.
 */

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#223}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;font-size:.9rem}
th{background:#f2f4f8}code{background:#f2f4f8;padding:0 .2rem}.known{color:#075}.unknown{color:#a20}
section{border:1px solid #dde;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}`

export const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${html(title)}</title><style>${STYLE}</style><body><h1>${html(title)}</h1>${body}</body></html>`

const table = (headers: string[], rows: unknown[][]) =>
  rows.length === 0
    ? '<p><em>none</em></p>'
    : `<table><tr>${headers.map((h) => `<th>${html(h)}</th>`).join('')}</tr>${rows
        .map((r) => `<tr>${r.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`)
        .join('')}</table>`

const tenantSection = (t: ProviderTenant) => {
  const apps = [...t.apps.values()]
  const signIn =
    t.domainName && apps.length > 0
      ? apps
          .map(
            (a) =>
              `<a href="/login?${html(new URLSearchParams({ tenant: t.tenantId, app: a.appId }).toString())}">sign in${apps.length > 1 ? ` (${html(a.appId)})` : ''}</a>`,
          )
          .join(' · ')
      : '<em>no sign-in yet: it needs the tenant (tenantSync) and the app credentials (applicationSync)</em>'
  return `<section><h2>${html(t.name ?? '(no tenantSync yet)')} <small><code>${html(t.tenantCode ?? '')}</code></small></h2>
<p>${signIn}</p>
<p>tenantId <code>${html(t.tenantId)}</code> · instanceId <code>${html(t.instanceId)}</code> · domainName <code>${html(t.domainName ?? '')}</code>${t.testFlag ? ' · test data' : ''}</p>
<h3>App credentials</h3>${table(
    ['appId', 'clientId', 'client secret'],
    apps.map((a) => [a.appId, a.clientId, `received, decrypted (${a.clientSecret.length} characters)`]),
  )}
<h3>Departments</h3>${table(
    ['orgCode', 'orgName', 'parentCode'],
    [...t.orgs.values()].map((o) => [o.orgCode, o.orgName, o.parentCode]),
  )}
<h3>Users</h3>${table(
    ['userName', 'name', 'orgCode', 'role', 'enable', 'grant'],
    [...t.users.values()].map((u) => [u.userName, u.name, u.orgCode, u.role, u.enable, u.state]),
  )}</section>`
}

/** What its SCIM service holds: Users (with their Groups) and Groups (with their members). */
const scimSection = (state: ProviderState) => {
  const { users, groups, log } = state.scim
  if (users.size === 0 && groups.size === 0 && log.length === 0) return ''
  const userName = (id: string) => users.get(id)?.userName ?? id
  return `<section><h2>SCIM service <small><code>/scim/v2</code></small></h2>
<h3>Users</h3>${table(
    ['userName', 'displayName', 'active', 'groups'],
    [...users.values()].map((u) => [
      u.userName,
      u.displayName ?? '',
      String(u.active),
      [...groups.values()]
        .filter((g) => (g.members ?? []).some((m: { value: string }) => m.value === u.id))
        .map((g) => g.displayName)
        .join(', '),
    ]),
  )}
<h3>Groups</h3>${table(
    ['displayName', 'externalId', 'members'],
    [...groups.values()].map((g) => [
      g.displayName,
      g.externalId ?? '',
      (g.members ?? []).map((m: { value: string }) => userName(m.value)).join(', '),
    ]),
  )}
<h3>Last requests</h3>${table(
    ['at', 'request', 'status'],
    log
      .slice(-20)
      .reverse()
      .map((c) => [c.at, `${c.method} ${c.path}`, c.status]),
  )}</section>`
}

export const homePage = (
  state: ProviderState,
  info: { origin: string; accessKeyHint: string; failing?: string },
) => {
  const tenants = [...state.tenants.values()]
  return page(
    'Stand-in app provider',
    `<p>Receives Atrium's sync (the cloud workbench's interfaces, v1 and v2) at <code>${html(info.origin)}/produceAPI/…</code>,
checks every signature with the access key <code>${html(info.accessKeyHint)}</code>, decrypts the client secret with its own key
(<a href="/public-key.pem">public key</a>), and signs users in through each tenant's OAuth2 with the credentials it was sent.</p>
<div>Failures on demand: ${info.failing ? `<strong>${html(info.failing)}</strong>` : 'none'}.
<form method="post" action="/control/fail" style="display:inline"><input name="code" value="000005" size="7" pattern="\\d{6}"> <input name="times" placeholder="times (blank: until cleared)" size="24"> <button>fail</button></form>
<form method="post" action="/control/fail" style="display:inline"><input type="hidden" name="code" value="000000"><button>answer success</button></form></div>
${tenants.length === 0 && state.scim.users.size === 0 ? '<p><em>Nothing received yet: bind an app to this provider in Atrium.</em></p>' : tenants.map(tenantSection).join('')}
${scimSection(state)}
<h2>Last calls</h2>${table(
      ['at', 'path', 'flag', 'tenantId', 'resultCode', 'resultMsg'],
      state.calls
        .slice()
        .reverse()
        .map((c) => [c.at, c.path, c.flag ?? '', c.tenantId ?? '', c.resultCode, c.resultMsg]),
    )}`,
  )
}

export const signedInPage = (info: {
  tenant: ProviderTenant
  userinfo: Record<string, unknown>
  verdict: 'known user' | 'revoked' | 'not synced'
  launched: boolean
}) => {
  const { tenant, userinfo, verdict } = info
  return page(
    'Signed in to the provider',
    `<p>${html(info.launched ? 'Opened from the workbench (a tile launch: code and tenant, no state).' : 'Signed in from the provider (authorization code flow with state).')}</p>
<p>User <strong><code>${html(userinfo.userName)}</code></strong> (${html(userinfo.name)}) of ${html(tenant.name ?? tenant.tenantId)}:
<strong class="${verdict === 'known user' ? 'known' : 'unknown'}">${html(verdict)}</strong>
${verdict === 'known user' ? '— the provider received this user through authSync.' : verdict === 'revoked' ? '— the grant was revoked (authSync flag 3).' : '— no authSync named this user.'}</p>
<h2>userinfo</h2><pre>${html(JSON.stringify(userinfo, null, 2))}</pre>
<p><a href="/">What the provider received</a></p>`,
  )
}
