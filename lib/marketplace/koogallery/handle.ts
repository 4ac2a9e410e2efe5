import { nowMs } from '../../core/clock.js'
import { config } from '../../core/config.js'
import { AppError } from '../../core/errors.js'
import { log } from '../../core/log.js'
import { count } from '../../core/metrics.js'
import { ACTIVITIES, type Activity, type Outcome, Refusal, SCHEMAS } from './activities.js'
import { merchantKey } from './merchant-key.js'
import { bodySignHeader, encryptAppInfoField, parseCompactTime, RESULT, verifyAuthToken } from './protocol.js'

export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Only the credentials are secret; the URLs are shown to the buyer as they are. */
const SECRET_FIELDS = new Set(['userName', 'password'])

const encryptCredentials = (key: string, appInfo: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(appInfo).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? encryptAppInfoField(key, v) : v]),
  )

/** The answer as KooGallery reads it: the credentials encrypted (encryptType "2"), the URLs plain. */
const toWire = (key: string, o: Outcome) => ({
  resultCode: o.resultCode,
  resultMsg: o.resultMsg,
  ...(o.instanceId ? { instanceId: o.instanceId } : {}),
  ...(o.appInfo ? { encryptType: '2', appInfo: encryptCredentials(key, o.appInfo) } : {}),
  ...(o.info
    ? {
        info: o.info.map((i) => ({
          instanceId: i.instanceId,
          ...(i.appInfo ? { encryptType: '2', appInfo: encryptCredentials(key, i.appInfo) } : {}),
        })),
      }
    : {}),
})

const authenticate = (key: string, params: Record<string, string>) => {
  const stamp = params.timeStamp ? parseCompactTime(params.timeStamp) : undefined
  if (!params.authToken || stamp === undefined)
    throw new Refusal(RESULT.authFailed, 'missing or malformed authToken/timeStamp')
  if (Math.abs(nowMs() - stamp) > config().KOOGALLERY_TIMESTAMP_WINDOW_SECONDS * 1000) {
    throw new Refusal(RESULT.authFailed, 'timeStamp outside the accepted window')
  }
  if (!verifyAuthToken(key, params)) throw new Refusal(RESULT.authFailed, 'authToken does not verify')
}

const run = async (params: Record<string, string>): Promise<Outcome> => {
  const activity = params.activity as Activity
  if (!(activity in SCHEMAS))
    throw new Refusal(RESULT.invalidParameter, `unknown activity ${params.activity ?? ''}`)
  const parsed = SCHEMAS[activity].safeParse(params)
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new Refusal(RESULT.invalidParameter, `invalid parameters: ${fields}`)
  }
  return (ACTIVITIES[activity] as (p: unknown) => Promise<Outcome>)(parsed.data)
}

/**
 * One KooGallery call: authenticate (timestamp window, constant-time HMAC), validate, run the
 * activity, and answer with a signed body. Every outcome is an HTTP 200 with a result code, as
 * the marketplace expects; nothing is written before authentication and validation pass.
 */
export const handleKooGallery = async (params: Record<string, string>): Promise<WireResponse> => {
  const key = await merchantKey()
  let outcome: Outcome
  try {
    authenticate(key, params)
    outcome = await run(params)
  } catch (err) {
    if (err instanceof Refusal) {
      outcome = { resultCode: err.resultCode, resultMsg: err.message }
    } else if (err instanceof AppError && err.code === 'NOT_FOUND') {
      outcome = { resultCode: RESULT.instanceNotFound, resultMsg: err.message }
    } else if (err instanceof AppError && err.status < 500) {
      outcome = { resultCode: RESULT.otherError, resultMsg: `${err.code}: ${err.message}` }
    } else {
      log.error('koogallery activity failed', { activity: params.activity, errorName: (err as Error).name })
      outcome = { resultCode: RESULT.otherError, resultMsg: 'internal error; retry later' }
    }
  }
  log.info('koogallery', {
    activity: params.activity,
    resultCode: outcome.resultCode,
    testFlag: params.testFlag,
  })
  count('MarketplaceCall', { market: 'koogallery', resultCode: outcome.resultCode })
  const body = JSON.stringify(toWire(key, outcome))
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'Body-Sign': bodySignHeader(key, body) },
    body,
  }
}
