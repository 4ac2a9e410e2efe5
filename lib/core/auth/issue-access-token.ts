import { SignJWT } from 'jose'
import { nowEpochSeconds } from '../clock.js'
import { config } from '../config.js'
import { newId } from '../ids.js'
import type { AccessClaims } from './principal.js'
import { currentSigningKey, SIGNING_ALG } from './signing-keys.js'

/*
 * Issuing apart from verifying (tokens.ts): a sign-in issues tokens and never builds the claims'
 * schema that verifying checks them against.
 */

/** Whom the API's access tokens are for; verifying (tokens.ts) checks it. */
export const AUDIENCE = 'atrium-api'

export const issueAccessToken = async (
  claims: AccessClaims,
): Promise<{ token: string; expiresIn: number }> => {
  const key = await currentSigningKey()
  const ttl = config().ACCESS_TOKEN_TTL_SECONDS
  const iat = nowEpochSeconds()
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(config().TOKEN_ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(newId())
    .sign(key.privateKey)
  return { token, expiresIn: ttl }
}
