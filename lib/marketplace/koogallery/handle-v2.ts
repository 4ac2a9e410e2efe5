import { nowMs } from '../../core/clock.js'
import { ACTIVITIES_V2, SCHEMAS_V2 } from './activities-v2.js'
import { answerCall, dispatch, type WireResponse } from './answer.js'
import { firstUseOfNonce } from './nonces.js'
import { type Outcome, Refusal } from './outcome.js'
import { RESULT } from './protocol.js'
import { freshTimestamp, NONCE, verifySignatureV2 } from './protocol-v2.js'
import { merchantKey } from './secrets.js'

/** The freshness window of V2 (the marketplace's "within 60 s"), both sides of our clock. */
const WINDOW_MS = 60_000
/** A nonce is remembered past the window on both sides of its timestamp. */
const NONCE_KEEP_SECONDS = 180

/** V2's answer: appInfo plain (there is no encryptType in V2). */
const toWire = (o: Outcome) => ({
  resultCode: o.resultCode,
  resultMsg: o.resultMsg,
  ...(o.instanceId ? { instanceId: o.instanceId } : {}),
  ...(o.info ? { info: o.info } : {}),
})

/** The marketplace's codes: signature 000001, timestamp and nonce 000002, a nonce seen before 000001. */
const authenticate = async (key: string, query: Record<string, string>, body: string) => {
  const { signature, timestamp, nonce } = query
  if (!signature) throw new Refusal(RESULT.authFailed, 'missing signature')
  if (!timestamp || !freshTimestamp(timestamp, nowMs(), WINDOW_MS))
    throw new Refusal(RESULT.invalidParameter, 'timestamp: missing, malformed or outside 60 s of our clock')
  if (!nonce || !NONCE.test(nonce)) throw new Refusal(RESULT.invalidParameter, 'nonce: missing or malformed')
  if (!verifySignatureV2(key, signature, nonce, timestamp, body))
    throw new Refusal(RESULT.authFailed, 'signature does not verify')
  // recorded only once the signature holds: nobody else can spend the marketplace's nonces
  if (!(await firstUseOfNonce(nonce, NONCE_KEEP_SECONDS)))
    throw new Refusal(RESULT.authFailed, 'nonce already used')
}

const parseBody = (body: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(body)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * One KooGallery V2 call: the signature, freshness and nonce checked over the exact body before it
 * is even parsed, then the activity validated and run; nothing is written before all that passes.
 */
export const handleKooGalleryV2 = async (
  query: Record<string, string>,
  body: string,
): Promise<WireResponse> => {
  const key = await merchantKey()
  const input = parseBody(body)
  return answerCall(
    key,
    { version: 'v2', activity: input?.activity, testFlag: input?.testFlag },
    async () => {
      await authenticate(key, query, body)
      if (!input) throw new Refusal(RESULT.invalidParameter, 'body: not a JSON object')
      return dispatch(SCHEMAS_V2, ACTIVITIES_V2, input)
    },
    toWire,
  )
}
