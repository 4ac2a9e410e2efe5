import { createLocalJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { ZodError } from 'zod'
import { nowMs } from '../clock.js'
import { config } from '../config.js'
import { AppError } from '../errors.js'
import { AUDIENCE } from './issue-access-token.js'
import { AccessClaimsSchema, type Principal, principalFromClaims } from './principal.js'
import { publicJwks, SIGNING_ALG, signsWith } from './signing-keys.js'

/**
 * Verification keys are cached per container. An unknown kid (a key rotated in by another
 * container) refreshes the set, at most once a second (at once for the key this container signs
 * with), so garbage tokens cannot drive reads.
 */
let keySet: { get: JWTVerifyGetKey; loadedAtMs: number } | undefined
const REFRESH_AFTER_MS = 5 * 60_000
const MIN_REFRESH_GAP_MS = 1_000

const loadKeySet = async () => {
  keySet = { get: createLocalJWKSet(await publicJwks()), loadedAtMs: nowMs() }
  return keySet
}

const resolveKey: JWTVerifyGetKey = async (header, token) => {
  let set = keySet && nowMs() - keySet.loadedAtMs < REFRESH_AFTER_MS ? keySet : await loadKeySet()
  try {
    return await set.get(header, token)
  } catch (err) {
    // A key rotated in since the last load is fetched at once when this container signs with it;
    // otherwise at most every MIN_REFRESH_GAP_MS, so tokens with made-up kids cannot drive reads.
    const ownKey = signsWith(header.kid)
    if (
      !(err instanceof errors.JWKSNoMatchingKey) ||
      (!ownKey && nowMs() - set.loadedAtMs < MIN_REFRESH_GAP_MS)
    )
      throw err
    set = await loadKeySet()
    return set.get(header, token)
  }
}

export const verifyAccessToken = async (token: string): Promise<Principal> => {
  try {
    const { payload } = await jwtVerify(token, resolveKey, {
      issuer: config().TOKEN_ISSUER,
      audience: AUDIENCE,
      algorithms: [SIGNING_ALG],
      typ: 'at+jwt',
      currentDate: new Date(nowMs()),
    })
    return principalFromClaims(AccessClaimsSchema.parse(payload))
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'access token expired')
    if (err instanceof errors.JOSEError || err instanceof ZodError) {
      throw new AppError('UNAUTHENTICATED', 'invalid access token')
    }
    throw err
  }
}

export const forgetVerificationKeys = (): void => {
  keySet = undefined
}
