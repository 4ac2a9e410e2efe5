import { Entity, item, number, PutItemCommand, QueryCommand, string } from 'dynamodb-toolbox'
import { nowEpochSeconds, nowIso } from '../core/clock.js'
import { platformCipher } from '../core/crypto/data-keys.js'
import { table } from '../core/db/table.js'
import { normaliseIdentifier, platformPhoneRegion } from '../core/identifiers.js'
import { newId } from '../core/ids.js'

/** What we say to a person by e-mail or text message. Templates are ours; values are filled in. */
export type Message =
  | { template: 'verification-code'; code: string; purpose: string; minutes: number }
  | { template: 'already-registered' }

const text = (m: Message): { subject: string; body: string } => {
  switch (m.template) {
    case 'verification-code':
      return {
        subject: `Your Atrium code: ${m.code}`,
        body: `Your code to ${m.purpose} is ${m.code}. It works for ${m.minutes} minutes. If you did not ask for it, ignore this message.`,
      }
    case 'already-registered':
      return {
        subject: 'You already have an Atrium login',
        body: 'Someone asked to register this address. You already have a login: sign in, or reset your password if you forgot it.',
      }
  }
}

/**
 * The outbox: every message we send, kept a day. Locally it is the delivery itself (npm start
 * prints new messages, tests read them); a sender for e-mail and SMS drains it in AWS. Recipient
 * and text are personal data: stored encrypted under the platform key, never logged.
 */
const OutboxEntity = new Entity({
  name: 'OutboxMessage',
  table,
  timestamps: false,
  schema: item({
    day: string().key(),
    messageId: string().key(),
    channel: string().enum('email', 'sms'),
    toEnc: string(),
    subjectEnc: string(),
    bodyEnc: string(),
    at: string(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ day, messageId }: { day: string; messageId: string }) => ({
    PK: `OUTBOX#${day}`,
    SK: messageId,
  }),
})

const aad = (messageId: string, field: string) => `outbox:${messageId}:${field}`

export const send = async (to: string, message: Message): Promise<void> => {
  const { kind, value } = normaliseIdentifier(to, platformPhoneRegion())
  const cipher = await platformCipher()
  const messageId = newId()
  const { subject, body } = text(message)
  const at = nowIso()
  await OutboxEntity.build(PutItemCommand)
    .item({
      day: at.slice(0, 10),
      messageId,
      channel: kind === 'email' ? 'email' : 'sms',
      toEnc: cipher.encrypt(value, aad(messageId, 'to')),
      subjectEnc: cipher.encrypt(subject, aad(messageId, 'subject')),
      bodyEnc: cipher.encrypt(body, aad(messageId, 'body')),
      at,
      expiresAtEpoch: nowEpochSeconds() + 86_400,
    })
    .send()
}

export interface SentMessage {
  messageId: string
  channel: 'email' | 'sms'
  to: string
  subject: string
  body: string
  at: string
}

/** Messages of a day after `afterId` (ids sort by time), decrypted: for the local printer and tests. */
export const readOutbox = async (day: string, afterId = ''): Promise<SentMessage[]> => {
  const cipher = await platformCipher()
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(OutboxEntity)
    .query({ partition: `OUTBOX#${day}`, ...(afterId ? { range: { gt: afterId } } : {}) })
    .options({ consistent: true })
    .send()
  return Items.map((i) => ({
    messageId: i.messageId,
    channel: i.channel,
    to: cipher.decrypt(i.toEnc, aad(i.messageId, 'to')),
    subject: cipher.decrypt(i.subjectEnc, aad(i.messageId, 'subject')),
    body: cipher.decrypt(i.bodyEnc, aad(i.messageId, 'body')),
    at: i.at,
  }))
}
