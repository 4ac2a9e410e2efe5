import { handler as drive } from '../../functions/drive/handler.js'
import { handler as messages } from '../../functions/messages/handler.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useTestS3 } from '../support/s3.js'

useTestTable()
useTestS3()

interface Person {
  token: string
  id: string
}

const bytes = new TextEncoder().encode('minutes of the meeting')

/** A file in the uploader's personal space: only they may read it in the drive. */
const uploadPersonal = async (p: Person, name: string) => {
  const started = await call(drive, 'POST', '/v1/drive/uploads', {
    token: p.token,
    body: { space: 'personal', name, size: bytes.length, contentType: 'text/plain' },
  })
  const put = await fetch(started.body.url, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': 'text/plain' },
  })
  expect(put.status).toBe(200)
  const done = await call(drive, 'POST', `/v1/drive/uploads/${started.body.uploadId}/complete`, {
    token: p.token,
    body: {},
  })
  return done.body.id as string
}

describe('file messages', () => {
  let owner: Person
  let reader: Person
  let outsider: Person
  let stranger: Person
  let conversationId: string
  let fileId: string
  let messageId: string
  const api = (p: Person, method: string, path: string, body?: unknown) =>
    call(messages, method, path, { token: p.token, body })
  const fileOf = (p: Person, m = messageId, c = conversationId) =>
    api(p, 'GET', `/v1/conversations/${c}/messages/${m}/file`)

  beforeAll(async () => {
    const { platformToken } = await platformFixture()
    const [a, b] = await Promise.all([openTenant(platformToken), openTenant(platformToken)])
    const person = async (t: typeof a): Promise<Person> => {
      const m = await addPlainMember(t.tenant)
      return { token: (await login(m.identifier, m.password)).accessToken, id: m.accountId }
    }
    ;[owner, reader, outsider, stranger] = await Promise.all([person(a), person(a), person(a), person(b)])
    conversationId = (
      await api(owner, 'POST', '/v1/conversations', { kind: 'group', name: 'Files', memberIds: [reader.id] })
    ).body.conversationId
    fileId = await uploadPersonal(owner, 'Minutes.txt')
    const sent = await api(owner, 'POST', `/v1/conversations/${conversationId}/messages`, {
      kind: 'file',
      fileId,
    })
    expect(sent.status).toBe(201)
    messageId = sent.body.messageId
  })

  it('copies what the file is into the message, and every member downloads it through the message', async () => {
    const history = await api(reader, 'GET', `/v1/conversations/${conversationId}/messages`)
    expect(history.body.items[0].body).toEqual({
      kind: 'file',
      fileId,
      name: 'Minutes.txt',
      size: bytes.length,
      contentType: 'text/plain',
    })
    // the drive does not let the reader open the owner's personal file; the conversation does
    expect(
      (await call(drive, 'GET', `/v1/drive/items/${fileId}/download`, { token: reader.token })).status,
    ).toBe(404)
    const got = await fileOf(reader)
    expect(got.status).toBe(200)
    const res = await fetch(got.body.url)
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('minutes of the meeting')
    expect(res.headers.get('content-disposition')).toContain('Minutes.txt')
  })

  it('sends only files the sender may read, and refuses bad input naming the field', async () => {
    const path = `/v1/conversations/${conversationId}/messages`
    expect((await api(reader, 'POST', path, { kind: 'file', fileId })).status).toBe(404)
    const bad = await api(owner, 'POST', path, { kind: 'file', fileId: 'NOT AN ID' })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toContain('fileId')
    expect((await api(owner, 'POST', path, { kind: 'file' })).status).toBe(400)
    expect(
      (await api(owner, 'GET', `/v1/conversations/${conversationId}/messages/NOT-AN-ID/file`)).status,
    ).toBe(400)
  })

  it('answers 404 to those outside the conversation or the tenant, and for a message that is not a file', async () => {
    expect((await fileOf(outsider)).status).toBe(404)
    expect((await fileOf(stranger)).status).toBe(404)
    const text = await api(owner, 'POST', `/v1/conversations/${conversationId}/messages`, {
      kind: 'text',
      text: 'see above',
    })
    expect((await fileOf(reader, text.body.messageId)).status).toBe(404)
  })

  it("outlives the file's trip to the trash, not its deletion for good; a recalled message no longer gives it", async () => {
    const second = await api(owner, 'POST', `/v1/conversations/${conversationId}/messages`, {
      kind: 'file',
      fileId,
    })
    expect(second.status).toBe(201)
    const trash = await call(drive, 'DELETE', `/v1/drive/items/${fileId}`, { token: owner.token })
    expect(trash.status).toBeLessThan(300)
    expect((await fileOf(reader)).status).toBe(200)
    const recalled = await api(
      owner,
      'POST',
      `/v1/conversations/${conversationId}/messages/${messageId}/recall`,
    )
    expect(recalled.body.body).toEqual({ kind: 'recalled' })
    expect((await fileOf(reader)).status).toBe(404)
    expect((await fileOf(reader, second.body.messageId)).status).toBe(200)
    const purged = await call(drive, 'DELETE', `/v1/drive/trash/${fileId}`, { token: owner.token })
    expect(purged.status).toBeLessThan(300)
    expect((await fileOf(reader, second.body.messageId)).status).toBe(404)
  })
})
