import type { Membership } from '../identity/accounts.js'
import { findTenant } from '../tenants/queries.js'

/** How a realm is named in a login or switch: `platform`, `industry:<code>`, `tenant:<code>`. */
export const selectorOf = (m: Membership): string =>
  m.realm === 'platform'
    ? 'platform'
    : m.realm === 'industry'
      ? `industry:${m.ctxCode}`
      : `tenant:${m.ctxCode}`

/** The realms a person can enter, named for a chooser. */
export const choices = async (memberships: Membership[]) =>
  Promise.all(
    memberships.map(async (m) => ({
      realm: m.realm,
      code: m.realm === 'platform' ? 'platform' : m.ctxCode,
      name:
        m.realm === 'tenant'
          ? ((await findTenant(m.ctx))?.name ?? m.ctxCode)
          : m.realm === 'industry'
            ? `${m.ctxCode} industry administration`
            : 'Platform administration',
      select: selectorOf(m),
    })),
  )
