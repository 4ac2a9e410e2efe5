import { BatchGetRequest } from 'dynamodb-toolbox'
import { clientRequest } from '../apps/clients.js'
import { tenantAppRequest } from '../apps/tenant-apps.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import type { TenantId } from '../core/tenancy.js'
import { catalogAppOf, catalogAppRequest } from '../platform/catalog-apps.js'
import { clientFrom } from './clients.js'
import { appIdentity, identityCipher, identityOfFound, identityRequests } from './identity.js'
import { ssoRequest } from './request-context.js'
import { plausibleId, recordKey, type SsoRecord, SsoRecordEntity } from './store.js'

/**
 * A member's identity for an app, once per request: the entitlement check and the account lookup
 * of one authorization ask the same question.
 */
export const identityFor = (tenantId: TenantId, appCode: string, accountId: string) => {
  const request = ssoRequest()
  const key = `${appCode}#${accountId}`
  const known = request.identities?.get(key)
  if (known) return known
  const asked = appIdentity(tenantId, appCode, accountId)
  request.identities?.set(key, asked)
  return asked
}

type Payload = { accountId?: string; grantId?: string; authorizations?: Record<string, { grantId?: string }> }

const recordRequest = (tenantId: string, model: string, id: string) =>
  SsoRecordEntity.build(BatchGetRequest).key({ tenantId, model, id })

/**
 * What an authorization (a client and a browser session) or a token request (a client and a code
 * or refresh token) will read, in two batches instead of one read each: the client's guard and the
 * record first, then the app, the member's identity and the grant the record names. The provider
 * then finds them in the request (store.ts); anything not read ahead is read as usual.
 */
export const readAhead = async (
  tenantId: TenantId,
  clientId: string,
  record: { model: 'Session' | 'AuthorizationCode' | 'RefreshToken'; id: string },
) => {
  const request = ssoRequest()
  // the provider answers what cannot be a client or a record; nothing to read for it
  if (!plausibleId(clientId) || !plausibleId(record.id)) return
  const [guard, found] = (await batchGetRequests(
    [clientRequest(clientId), recordRequest(tenantId, record.model, record.id)],
    { consistent: true },
  )) as [{ tenantId: string; appCode: string } | undefined, (SsoRecord & Record<string, unknown>) | undefined]
  request.records = new Map([[recordKey(record.model, record.id), found ?? null]])
  request.clients = new Map()
  if (!guard || guard.tenantId !== tenantId) {
    request.clients.set(clientId, undefined)
    return
  }
  const payload = found ? (JSON.parse(found.payload) as Payload) : undefined
  const accountId = payload?.accountId
  const grantId = record.model === 'Session' ? payload?.authorizations?.[clientId]?.grantId : payload?.grantId
  const appReads = accountId
    ? identityRequests(tenantId, guard.appCode, accountId)
    : [tenantAppRequest(tenantId, guard.appCode), catalogAppRequest(guard.appCode)]
  const [rest, cipher] = await Promise.all([
    batchGetRequests([...appReads, ...(grantId ? [recordRequest(tenantId, 'Grant', grantId)] : [])], {
      consistent: true,
    }),
    accountId ? identityCipher(tenantId) : undefined,
  ])
  const [app, catalog] = accountId ? [rest[1], rest[2]] : [rest[0], rest[1]]
  request.clients.set(
    clientId,
    clientFrom(clientId, app as Parameters<typeof clientFrom>[1], catalogAppOf(catalog), request.presented),
  )
  if (accountId) {
    request.identities?.set(
      `${guard.appCode}#${accountId}`,
      Promise.resolve(identityOfFound(rest.slice(0, appReads.length), cipher)),
    )
  }
  if (grantId) request.records.set(recordKey('Grant', grantId), rest[appReads.length] ?? null)
}
