import { nowMs } from '../../core/clock.js'
import { config } from '../../core/config.js'
import { ACTIVITIES, SCHEMAS } from './activities.js'
import { answerCall, dispatch, type WireResponse } from './answer.js'
import { type Outcome, Refusal } from './outcome.js'
import { encryptAppInfoField, parseCompactTime, RESULT, verifyAuthToken } from './protocol.js'
import { merchantKey } from './secrets.js'

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

/**
 * One KooGallery V1 call: authenticate (timestamp window, constant-time HMAC), validate, run the
 * activity; nothing is written before authentication and validation pass.
 */
export const handleKooGallery = async (params: Record<string, string>): Promise<WireResponse> => {
  const key = await merchantKey()
  return answerCall(
    key,
    { version: 'v1', activity: params.activity, testFlag: params.testFlag },
    async () => {
      authenticate(key, params)
      return dispatch(SCHEMAS, ACTIVITIES, params)
    },
    (o) => toWire(key, o),
  )
}
