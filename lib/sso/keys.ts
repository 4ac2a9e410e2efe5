import { keyRing } from '../core/auth/signing-keys.js'

/** The lifetimes the workbench's apps expect (protocol doc A.8), and ours for the rest. */
export const SSO_TTL = {
  AccessToken: 7200,
  AuthorizationCode: 60,
  RefreshToken: 30 * 86_400,
  IdToken: 3600,
  Interaction: 600,
  /** the browser's sign-in: a working day */
  Session: 12 * 3600,
  Grant: 30 * 86_400,
} as const

/** RS256, what relying parties expect unless told otherwise; one ring for every tenant's issuer. */
export const ssoKeys = keyRing({
  partition: 'PLATFORM#SSO-SIGNING',
  alg: 'RS256',
  retireAfterSeconds: () => Math.max(SSO_TTL.IdToken, SSO_TTL.AccessToken),
})
