import { nowIso } from '../../lib/core/clock.js'
import { normaliseIdentifier, platformPhoneRegion } from '../../lib/core/identifiers.js'
import { readOutbox, type SentMessage } from '../../lib/notify/outbox.js'

/** What was sent to an address or number today, oldest first (the local outbox). */
export const sentTo = async (identifier: string): Promise<SentMessage[]> => {
  const { value } = normaliseIdentifier(identifier, platformPhoneRegion())
  return (await readOutbox(nowIso().slice(0, 10))).filter((m) => m.to === value)
}

/** The last code sent to an address or number. */
export const lastCode = async (identifier: string): Promise<string> => {
  const messages = await sentTo(identifier)
  const code = /\b(\d{6})\b/.exec(messages.at(-1)?.subject ?? '')?.[1]
  if (!code) throw new Error('no code was sent')
  return code
}
