import * as z from 'zod'
import type { SessionCheck } from '../../lib/core/auth/caller.js'
import { resetConfig } from '../../lib/core/config.js'
import { AppError } from '../../lib/core/errors.js'
import { publicAccess, tenantAccess } from '../../lib/core/http/access.js'
import { httpFunction } from '../../lib/core/http/http-function.js'
import { representation, route } from '../../lib/core/http/route.js'
import { log } from '../../lib/core/log.js'
import { sqsFunction } from '../../lib/core/sqs-function.js'
import { call } from '../support/lambda.js'

// Settings only (the stack validates them when built): nothing here reaches a database.
Object.assign(process.env, {
  LOG_LEVEL: 'error',
  ATRIUM_TABLE_NAME: 'atrium-unit',
  LOCAL_MASTER_KEY_FILE: 'unused',
})

// A session check that never finds a live session: these tests stop at the token.
const noSession: SessionCheck = async () => {
  throw new AppError('SESSION_ENDED', 'no sessions here')
}

const handler = httpFunction({
  name: 'unit',
  session: noSession,
  routes: [
    route({
      operationId: 'echo',
      method: 'POST',
      path: '/v1/things/{thingId}',
      summary: 'echo',
      tag: 'Test',
      access: publicAccess,
      params: z.object({ thingId: z.string().regex(/^[a-z]+$/) }),
      query: z.object({ n: z.coerce.number().int().max(10).default(1) }),
      body: z.object({ name: z.string().min(2), tags: z.array(z.string()).max(2) }).strict(),
      response: z.object({ thingId: z.string(), n: z.number(), name: z.string() }),
      handle: async (req) => {
        if (req.body.name.startsWith('log-')) log.error('echo', { name: req.body.name })
        return { ...req.params, n: req.query.n, name: req.body.name, leaked: 'internal' } as never
      },
    }),
    route({
      operationId: 'boom',
      method: 'GET',
      path: '/v1/boom',
      summary: 'fails',
      tag: 'Test',
      access: publicAccess,
      response: z.object({}),
      handle: async () => {
        throw new Error('connection string postgres://user:pw@db failed')
      },
    }),
    route({
      operationId: 'secret',
      method: 'GET',
      path: '/v1/secret',
      summary: 'needs a token',
      tag: 'Test',
      access: tenantAccess(),
      response: z.object({}),
      handle: async () => ({}),
    }),
    route({
      operationId: 'form',
      method: 'POST',
      path: '/v1/form',
      summary: 'an HTML form post answered with a page',
      tag: 'Test',
      access: publicAccess,
      form: true,
      body: z.object({ who: z.string().min(1) }),
      response: z.string(),
      produces: 'text/html',
      handle: async (req) => representation(`<p>${req.body.who.length}</p>`),
    }),
  ],
})

describe('the HTTP stack', () => {
  it('routes, validates and answers with the response schema only', async () => {
    const res = await call(handler, 'POST', '/v1/things/abc', {
      body: { name: 'ok', tags: [] },
      query: { n: '3' },
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ thingId: 'abc', n: 3, name: 'ok' })
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('reports every failing field of path, query and body at once', async () => {
    const res = await call(handler, 'POST', '/v1/things/ABC', {
      body: { name: 'x', tags: ['a', 'b', 'c'], extra: true },
      query: { n: '99' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    const paths = res.body.error.details.map((d: { path: string }) => d.path)
    expect(paths).toEqual(expect.arrayContaining(['path.thingId', 'query.n', 'body.name', 'body.tags']))
    expect(paths.some((p: string) => p.startsWith('body'))).toBe(true)
  })

  it('answers 400 for a body that is not JSON and 415 for another media type', async () => {
    expect((await call(handler, 'POST', '/v1/things/abc', { rawBody: '{"name":' })).status).toBe(400)
    const res = await call(handler, 'POST', '/v1/things/abc', {
      rawBody: 'name=x',
      headers: { 'content-type': 'text/plain' },
    })
    expect(res.status).toBe(415)
  })

  it('answers 404 for an unknown path and 405 for a known path with another method', async () => {
    expect((await call(handler, 'GET', '/v1/nothing')).status).toBe(404)
    const res = await call(handler, 'GET', '/v1/things/abc')
    expect(res.status).toBe(405)
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED')
  })

  it('answers 400 for a malformed path escape', async () => {
    expect(
      (await call(handler, 'POST', '/v1/things/%E0%A4%A', { body: { name: 'ok', tags: [] } })).status,
    ).toBe(400)
  })

  it('hides internals behind a 500, in the answer and in the log', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    const res = await call(handler, 'GET', '/v1/boom')
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } })
    const lines = logged.mock.calls.map((c) => String(c[0]))
    logged.mockRestore()
    expect(lines.some((l) => l.includes('"errorName":"Error"'))).toBe(true)
    expect(lines.join('\n')).not.toContain('pw@db')
  })

  it('needs a well-formed bearer token on protected routes', async () => {
    expect((await call(handler, 'GET', '/v1/secret')).body.error.code).toBe('UNAUTHENTICATED')
    const res = await call(handler, 'GET', '/v1/secret', { token: 'not-a-jwt' })
    expect(res.status).toBe(401)
  })

  it('fails at build time, not at the first request, when a setting is missing', () => {
    const saved = process.env.ATRIUM_TABLE_NAME
    delete process.env.ATRIUM_TABLE_NAME
    resetConfig()
    try {
      expect(() => httpFunction({ name: 'x', routes: [] })).toThrow(/ATRIUM_TABLE_NAME/)
    } finally {
      process.env.ATRIUM_TABLE_NAME = saved
      resetConfig()
    }
  })

  it('keeps concurrent invocations apart: their inputs, and the ids their log lines carry', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    const names = Array.from({ length: 20 }, (_, i) => `log-${i}`)
    const results = await Promise.all(
      names.map((name) =>
        call(handler, 'POST', '/v1/things/abc', {
          body: { name, tags: [] },
          headers: { 'x-correlation-id': `trace-for-${name}` },
        }),
      ),
    )
    const lines = logged.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>)
    logged.mockRestore()
    expect(results.map((r) => r.body.name)).toEqual(names)
    for (const name of names)
      expect(lines.find((l) => l.name === name)?.correlationId).toBe(`trace-for-${name}`)
  })

  it("answers with a correlation id, the caller's when sane, and logs it on every line of that request", async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    const given = await call(handler, 'POST', '/v1/things/abc', {
      body: { name: 'log-one', tags: [] },
      headers: { 'x-correlation-id': 'trace-12345678' },
    })
    const insane = await call(handler, 'POST', '/v1/things/abc', {
      body: { name: 'log-two', tags: [] },
      headers: { 'x-correlation-id': 'bad id with spaces' },
    })
    const refused = await call(handler, 'GET', '/v1/secret', {
      headers: { 'x-correlation-id': 'trace-refused-1' },
    })
    await call(handler, 'GET', '/v1/boom', { headers: { 'x-correlation-id': 'trace-failed-1' } })
    const lines = logged.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>)
    logged.mockRestore()
    expect(given.headers['x-correlation-id']).toBe('trace-12345678')
    expect(insane.headers['x-correlation-id']).not.toContain(' ')
    expect(refused.headers['x-correlation-id']).toBe('trace-refused-1')
    expect(lines.find((l) => l.name === 'log-one')?.correlationId).toBe('trace-12345678')
    expect(lines.find((l) => l.name === 'log-two')?.correlationId).toBe(insane.headers['x-correlation-id'])
    expect(lines.find((l) => l.message === 'request failed')?.correlationId).toBe('trace-failed-1')
  })

  it('reads a form post and answers with the media type the route produces', async () => {
    const res = await call(handler, 'POST', '/v1/form', {
      rawBody: 'who=abc',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toBe('<p>3</p>')
    const json = await call(handler, 'POST', '/v1/form', { body: { who: 'abc' } })
    expect(json.status).toBe(415)
  })

  it('refuses to build a function whose signed-in routes have no session check', () => {
    expect(() =>
      httpFunction({
        name: 'x',
        routes: [
          route({
            operationId: 's',
            method: 'GET',
            path: '/s',
            summary: 's',
            tag: 'T',
            access: tenantAccess(),
            response: z.object({}),
            handle: async () => ({}),
          }),
        ],
      }),
    ).toThrow(/session check/)
  })

  it('maps application errors to their status', () => {
    expect(new AppError('SEAT_LIMIT_REACHED', 'full').status).toBe(422)
    expect(new AppError('TENANT_FROZEN', 'frozen').status).toBe(403)
  })
})

describe('the SQS consumer', () => {
  const record = (id: string, body: string) =>
    ({ messageId: id, body, messageAttributes: {}, attributes: {} }) as never
  const quiet = () => jest.spyOn(console, 'error').mockImplementation(() => undefined)

  it('reports only the records that failed', async () => {
    const spy = quiet()
    const consumer = sqsFunction({
      name: 'unit-sqs',
      parse: (body) => z.object({ n: z.number() }).parse(JSON.parse(body)),
      handle: async ({ n }) => {
        if (n === 2) throw new Error('boom')
        return 'ok'
      },
    })
    const out = await consumer({
      Records: [record('a', '{"n":1}'), record('b', '{"n":2}'), record('c', 'nope'), record('d', '{"n":4}')],
    })
    spy.mockRestore()
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['b', 'c'])
  })

  it('in order: once a record fails, the later ones wait for redelivery', async () => {
    const spy = quiet()
    const seen: number[] = []
    const consumer = sqsFunction({
      name: 'unit-fifo',
      ordered: true,
      parse: (body) => Number(body),
      handle: async (n) => {
        if (n === 2) throw new Error('boom')
        seen.push(n)
        return 'ok'
      },
    })
    const out = await consumer({ Records: [record('1', '1'), record('2', '2'), record('3', '3')] })
    spy.mockRestore()
    expect(seen).toEqual([1])
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['2', '3'])
  })
})
