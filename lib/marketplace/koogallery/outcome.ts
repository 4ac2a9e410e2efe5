import { RESULT } from './protocol.js'

/** What an activity answers, before it goes on the wire (each version its own way). */
export interface Outcome {
  resultCode: (typeof RESULT)[keyof typeof RESULT]
  resultMsg: string
  instanceId?: string
  appInfo?: Record<string, string>
  info?: { instanceId: string; appInfo?: Record<string, string> }[]
}

/** An activity refused with a result code of the protocol. */
export class Refusal extends Error {
  constructor(
    readonly resultCode: Outcome['resultCode'],
    message: string,
  ) {
    super(message)
  }
}

export const ok = (extra: Partial<Outcome> = {}): Outcome => ({
  resultCode: RESULT.success,
  resultMsg: 'success',
  ...extra,
})

export const instanceNotFound = () => new Refusal(RESULT.instanceNotFound, 'instance not found')
