import { PutTransaction } from 'dynamodb-toolbox'
import type Provider from 'oidc-provider'
import { appWithView } from '../apps/registry.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import { deleteKeys } from '../core/db/purge-keys.js'
import { outboundFetch } from '../core/http/outbound.js'
import { randomToken } from '../core/ids.js'
import { log } from '../core/log.js'
import { scopeOf, type TenantId } from '../core/tenancy.js'
import { accountName } from '../directory/member-record.js'
import { SSO_TTL } from './keys.js'
import { recordKey, SsoRecordEntity } from './store.js'

/** How long an app may take to hear of a sign-out before the member's logout goes on without it. */
const NOTICE_TIMEOUT_MS = 2500

type Session = InstanceType<Provider['Session']>

interface CasSignIn {
  ticket: string
  appCode: string
  accountId: string
}

/** A CAS sign-in of a browser session: its ticket is the SessionIndex the app knows it by. */
export const casSignInWrite = (tenantId: TenantId, sessionId: string, signIn: CasSignIn) =>
  SsoRecordEntity.build(PutTransaction).item({
    tenantId,
    model: 'CasSignIn',
    id: `${sessionId}#${signIn.ticket}`,
    payload: JSON.stringify(signIn),
    expiresAtEpoch: Math.floor(Date.now() / 1000) + SSO_TTL.Session,
  })

const xml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The SAML LogoutRequest CAS servers post to an app (Apereo CAS protocol, single logout). */
const logoutRequest = (user: string, ticket: string) =>
  `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-${randomToken(16)}" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:NameID>${xml(user)}</saml:NameID><samlp:SessionIndex>${xml(ticket)}</samlp:SessionIndex></samlp:LogoutRequest>`

const failed = (protocol: string, appCode: string) => (err: unknown) =>
  log.warn('app not told of sign-out', { protocol, appCode, errorName: (err as Error).name })

/** Each CAS app the session signed in to, with a logout URL, gets a LogoutRequest per ticket. */
const casNotices = async (tenantId: TenantId, sessionId: string) => {
  const records = await queryAll(SsoRecordEntity, {
    partition: tenantPartition(tenantId),
    prefix: recordKey('CasSignIn', `${sessionId}#`),
  })
  if (records.length === 0) return []
  await deleteKeys(records.map((r) => ({ PK: tenantPartition(tenantId), SK: recordKey(r.model, r.id) })))
  const signIns = records.map((r) => JSON.parse(r.payload) as CasSignIn)
  const urls = new Map<string, string | undefined>()
  for (const appCode of new Set(signIns.map((s) => s.appCode))) {
    const found = await appWithView(scopeOf(tenantId), appCode).catch(() => undefined)
    urls.set(appCode, found?.view.protocol === 'cas' ? found.view.logoutUrl : undefined)
  }
  return signIns.flatMap((s) => {
    const url = urls.get(s.appCode)
    if (!url) return []
    const body = new URLSearchParams({
      logoutRequest: logoutRequest(accountName(tenantId, s.accountId), s.ticket),
    })
    return [
      outboundFetch(url, { method: 'POST', body, signal: AbortSignal.timeout(NOTICE_TIMEOUT_MS) })
        .then((res) => {
          if (!res.ok) throw Object.assign(new Error(`status ${res.status}`), { name: 'LogoutRefused' })
        })
        .catch(failed('cas', s.appCode)),
    ]
  })
}

/**
 * Tells the apps a browser session signed in to that it has ended (the workbench's "logout URL"
 * of an app, protocol doc A.6/B.3): OpenID back-channel logout tokens to the OIDC and OAuth2 apps
 * (`oidc: false` when the provider's own logout sends them), SAML LogoutRequests to the CAS apps.
 * All at once, each within 2.5 s; an app that fails is logged and the logout goes on.
 */
export const tellAppsSignedOut = async (
  provider: Provider,
  tenantId: TenantId,
  session: Pick<Session, 'jti' | 'accountId' | 'authorizations' | 'sidFor'>,
  { oidc }: { oidc: boolean },
) => {
  const notices: Promise<unknown>[] = await casNotices(tenantId, session.jti)
  for (const clientId of oidc ? Object.keys(session.authorizations ?? {}) : []) {
    const client = await provider.Client.find(clientId)
    if (!client?.backchannelLogoutUri || !session.accountId) continue
    // the provider's own sender: a logout token signed by the issuer, for this client's subject
    const sender = client as unknown as { backchannelLogout(sub: string, sid?: string): Promise<void> }
    notices.push(
      sender
        .backchannelLogout(session.accountId, session.sidFor(clientId))
        .catch(failed('oidc', String(client.metadata().app_code))),
    )
  }
  await Promise.all(notices)
}
