/**
 * The origin a request reached us at, from the headers API Gateway passes on (`X-Forwarded-Proto`
 * is set by it; locally there is none: http). What it builds goes back to the same caller only.
 */
export const requestOrigin = (headers: Record<string, string | string[] | undefined>) => {
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

/** A tenant's sign-in issuer as this request reaches it (every SSO address lives under it). */
export const tenantIssuer = (headers: Record<string, string | string[] | undefined>, tenantCode: string) =>
  `${requestOrigin(headers).origin}/t/${tenantCode}`
