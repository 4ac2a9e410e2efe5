import type * as z from 'zod'
import { AppError } from '../../core/errors.js'
import { log } from '../../core/log.js'
import { count } from '../../core/metrics.js'
import { type Outcome, Refusal } from './outcome.js'
import { bodySignHeader, RESULT } from './protocol.js'

/** What goes back to KooGallery: always HTTP 200, the exact bytes that Body-Sign covers. */
export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Validates an activity's parameters against its schema and runs it; bad input is 000002 naming the fields. */
export const dispatch = <S extends Record<string, z.ZodType>>(
  schemas: S,
  activities: { [A in keyof S]: (p: z.infer<S[A]>) => Promise<Outcome> },
  input: Record<string, unknown>,
): Promise<Outcome> => {
  const activity = input.activity
  if (typeof activity !== 'string' || !Object.hasOwn(schemas, activity))
    throw new Refusal(RESULT.invalidParameter, `unknown activity ${String(activity ?? '')}`)
  const parsed = (schemas[activity] as z.ZodType).safeParse(input)
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new Refusal(RESULT.invalidParameter, `invalid parameters: ${fields}`)
  }
  return (activities[activity] as (p: unknown) => Promise<Outcome>)(parsed.data)
}

const outcomeOf = (err: unknown, activity: unknown): Outcome => {
  if (err instanceof Refusal) return { resultCode: err.resultCode, resultMsg: err.message }
  if (err instanceof AppError && err.code === 'NOT_FOUND')
    return { resultCode: RESULT.instanceNotFound, resultMsg: err.message }
  if (err instanceof AppError && err.status < 500)
    return { resultCode: RESULT.otherError, resultMsg: `${err.code}: ${err.message}` }
  log.error('koogallery activity failed', {
    activity: typeof activity === 'string' ? activity.slice(0, 32) : undefined,
    errorName: (err as Error).name,
  })
  return { resultCode: RESULT.otherError, resultMsg: 'internal error; retry later' }
}

/**
 * Runs one KooGallery call (authentication inside `run`, before anything is written) and answers
 * with a signed body. Every outcome is an HTTP 200 with a result code, as the marketplace expects.
 */
export const answerCall = async (
  key: string,
  call: { version: 'v1' | 'v2'; activity: unknown; testFlag: unknown },
  run: () => Promise<Outcome>,
  toWire: (o: Outcome) => unknown,
): Promise<WireResponse> => {
  let outcome: Outcome
  try {
    outcome = await run()
  } catch (err) {
    outcome = outcomeOf(err, call.activity)
  }
  const activity = typeof call.activity === 'string' ? call.activity.slice(0, 32) : undefined
  log.info('koogallery', {
    version: call.version,
    activity,
    resultCode: outcome.resultCode,
    testFlag: typeof call.testFlag === 'string' ? call.testFlag.slice(0, 1) : undefined,
  })
  count('MarketplaceCall', { market: 'koogallery', resultCode: outcome.resultCode })
  const body = JSON.stringify(toWire(outcome))
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'Body-Sign': bodySignHeader(key, body) },
    body,
  }
}
