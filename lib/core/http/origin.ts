import { config } from '../config.js'

type Headers = Record<string, string | string[] | undefined>

/**
 * The origin a request reached us at, from the headers API Gateway passes on (`X-Forwarded-Proto`
 * is set by it; locally there is none: http). What it builds goes back to the same caller only.
 */
export const requestOrigin = (headers: Headers) => {
  const forwarded = headers['x-forwarded-proto']
  const proto = String(Array.isArray(forwarded) ? forwarded[0] : (forwarded ?? ''))
    .split(',')[0]
    ?.trim()
  const host = String(headers.host ?? 'localhost')
  return {
    proto: proto === 'https' ? 'https' : 'http',
    host,
    origin: `${proto === 'https' ? 'https' : 'http'}://${host}`,
  }
}

/**
 * The tenant whose own domain (`<code>.<PLATFORM_DOMAIN>`, any port) a host is. API Gateway routes
 * a host only to the domains mapped to the API, so a request's host is the domain it reached.
 */
export const tenantCodeOfHost = (host: string): string | undefined => {
  const domain = `.${config().PLATFORM_DOMAIN.toLowerCase()}`
  const name = host.toLowerCase().replace(/:\d{1,5}$/, '')
  if (!name.endsWith(domain)) return undefined
  const code = name.slice(0, -domain.length)
  return /^[a-z0-9-]{3,40}$/.test(code) ? code : undefined
}

/**
 * A tenant's sign-in issuer as this request reaches it (every SSO address lives under it): the
 * tenant's own domain when the request came there, else `<origin>/t/<code>`.
 */
export const tenantIssuer = (headers: Headers, tenantCode: string) => {
  const { origin, host } = requestOrigin(headers)
  return tenantCodeOfHost(host) === tenantCode ? origin : `${origin}/t/${tenantCode}`
}

/**
 * Where a tenant's sign-in addresses are given out (launch links, what apps are told): its own
 * domain once tenant domains are routed to the API (TENANT_DOMAINS), else as this request reaches it.
 */
export const tenantSite = (headers: Headers, tenantCode: string) =>
  config().TENANT_DOMAINS
    ? `https://${tenantCode}.${config().PLATFORM_DOMAIN}`
    : tenantIssuer(headers, tenantCode)

/**
 * The base URL of a tenant's sign-in addresses for someone who is not making a request (what a
 * provider is told in tenant sync): its own domain with tenant domains, else the API's address.
 */
export const tenantApiBase = (tenantCode: string) =>
  config().TENANT_DOMAINS
    ? `https://${tenantCode}.${config().PLATFORM_DOMAIN}`
    : `${config().PUBLIC_API_URL}/t/${tenantCode}`
