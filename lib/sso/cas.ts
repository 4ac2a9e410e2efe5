import { DeleteItemCommand, executeTransactWrite, PutTransaction } from 'dynamodb-toolbox'
import { listApps } from '../apps/registry.js'
import type { AppView } from '../apps/schemas.js'
import { randomToken } from '../core/ids.js'
import { scopeOf, type TenantId } from '../core/tenancy.js'
import { casAttributes } from './claims.js'
import type { Refusal } from './identity.js'
import { identityFor } from './read-ahead.js'
import { casSignInWrite } from './single-logout.js'
import { plausibleId, SsoRecordEntity } from './store.js'

/** CAS service tickets live a minute at most (the protocol allows five) and validate once. */
export const TICKET_SECONDS = 60

/** A service as compared: its `ticket` parameter dropped, percent-encoding normalised by URL. */
export const normalService = (service: string): string | undefined => {
  try {
    const url = new URL(service)
    url.searchParams.delete('ticket')
    url.hash = ''
    return url.href
  } catch {
    return undefined
  }
}

/** An exact registered URL, or an explicit prefix ending in `/*`; never "the same domain". */
export const serviceMatches = (registered: string, service: string) => {
  const wanted = normalService(service)
  if (!wanted) return false
  if (registered.endsWith('/*')) {
    const prefix = normalService(registered.slice(0, -1))
    return prefix !== undefined && wanted.startsWith(prefix)
  }
  return normalService(registered) === wanted
}

/** The tenant's CAS app a service belongs to (an exact registration wins over a prefix). */
export const casAppFor = async (tenantId: TenantId, service: string): Promise<AppView | undefined> => {
  const apps: AppView[] = []
  let cursor: string | undefined
  do {
    const page = await listApps(scopeOf(tenantId), 100, cursor)
    apps.push(...page.items.filter((a) => a.protocol === 'cas'))
    cursor = page.nextCursor
  } while (cursor)
  const exact = apps.find((a) => a.casServices.some((s) => !s.endsWith('/*') && serviceMatches(s, service)))
  return exact ?? apps.find((a) => a.casServices.some((s) => serviceMatches(s, service)))
}

interface TicketPayload {
  accountId: string
  appCode: string
  service: string
  authenticatedAt: number
  newLogin: boolean
}

/**
 * A service ticket for a member the app may have (checked by the caller), and beside it, in the
 * same request, the browser session's record of it: the app hears of the session's end by it.
 */
export const issueTicket = async (tenantId: TenantId, payload: TicketPayload, sessionId: string) => {
  const ticket = `ST-${randomToken(32)}`
  const now = Math.floor(Date.now() / 1000)
  await executeTransactWrite(
    SsoRecordEntity.build(PutTransaction).item({
      tenantId,
      model: 'CasTicket',
      id: ticket,
      payload: JSON.stringify(payload),
      expiresAtEpoch: now + TICKET_SECONDS,
    }),
    casSignInWrite(tenantId, sessionId, { ticket, appCode: payload.appCode, accountId: payload.accountId }),
  )
  return ticket
}

export type CasFailure = { code: string; description: string }
export type CasValidation =
  | { ok: true; user: string; attributes: Record<string, unknown> }
  | { ok: false; failure: CasFailure }

const failure = (code: string, description: string): CasValidation => ({
  ok: false,
  failure: { code, description },
})

const refused = (refusal: Refusal) =>
  failure('INVALID_TICKET', `the member may no longer use the app (${refusal})`)

/**
 * Validates a service ticket once: the ticket is deleted by its first validation, whatever its
 * outcome (the delete returns what it held), then the service must be the one it was issued for
 * and the member must still be let in (checked now, not at issue).
 */
export const validateTicket = async (
  tenantId: TenantId,
  ticket: string | undefined,
  service: string | undefined,
): Promise<CasValidation> => {
  if (!ticket || !service) return failure('INVALID_REQUEST', "'ticket' and 'service' are required")
  if (!ticket.startsWith('ST-') || !plausibleId(ticket))
    return failure('INVALID_TICKET_SPEC', 'not a service ticket')
  const { Attributes } = await SsoRecordEntity.build(DeleteItemCommand)
    .key({ tenantId, model: 'CasTicket', id: ticket })
    .options({ returnValues: 'ALL_OLD' })
    .send()
  if (!Attributes || (Attributes.expiresAtEpoch ?? 0) <= Date.now() / 1000) {
    return failure('INVALID_TICKET', `ticket ${ticket} not recognized`)
  }
  const issued = JSON.parse(Attributes.payload) as TicketPayload
  if (normalService(service) !== issued.service) {
    return failure('INVALID_SERVICE', 'the ticket was issued for another service')
  }
  const verdict = await identityFor(tenantId, issued.appCode, issued.accountId)
  if (!verdict.ok) return refused(verdict.refusal)
  const { user, attributes } = casAttributes(verdict.identity)
  return {
    ok: true,
    user,
    attributes: {
      ...attributes,
      authenticationDate: new Date(issued.authenticatedAt * 1000).toISOString(),
      longTermAuthenticationRequestTokenUsed: 'false',
      isFromNewLogin: String(issued.newLogin),
    },
  }
}

const xml = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** CAS 2.0/3.0 answers, XML (the default) or JSON (`format=JSON`); 2.0 carries no attributes. */
export const renderValidation = (result: CasValidation, format: 'XML' | 'JSON', withAttributes: boolean) => {
  const attributes = result.ok
    ? Object.entries(result.attributes).filter(([, v]) => v !== undefined && v !== '')
    : []
  if (format === 'JSON') {
    return JSON.stringify({
      serviceResponse: result.ok
        ? {
            authenticationSuccess: {
              user: result.user,
              ...(withAttributes ? { attributes: Object.fromEntries(attributes) } : {}),
            },
          }
        : { authenticationFailure: result.failure },
    })
  }
  if (!result.ok) {
    return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationFailure code="${xml(result.failure.code)}">${xml(result.failure.description)}</cas:authenticationFailure>
</cas:serviceResponse>`
  }
  const values = withAttributes
    ? attributes.flatMap(([k, v]) =>
        (Array.isArray(v) ? v : [v]).map((x) => `      <cas:${k}>${xml(x)}</cas:${k}>`),
      )
    : []
  return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>${xml(result.user)}</cas:user>${
      values.length ? `\n    <cas:attributes>\n${values.join('\n')}\n    </cas:attributes>` : ''
    }
  </cas:authenticationSuccess>
</cas:serviceResponse>`
}

/** CAS 1.0 `/validate`: two lines. */
export const renderValidation1 = (result: CasValidation) => (result.ok ? `yes\n${result.user}\n` : 'no\n\n')
