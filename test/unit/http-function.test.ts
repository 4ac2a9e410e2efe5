import * as z from 'zod'
import { resetConfig } from '../../lib/core/config.js'
import { AppError } from '../../lib/core/errors.js'
import { httpFunction } from '../../lib/core/http/http-function.js'
import { bind, defineRoute } from '../../lib/core/http/route.js'
import { call } from '../support/lambda.js'

const echo = defineRoute({
  operationId: 'echo',
  method: 'POST',
  path: '/v1/things/{thingId}',
  summary: 'echo',
  tag: 'Test',
  access: { public: true },
  params: z.object({ thingId: z.string().regex(/^[a-z]+$/) }),
  query: z.object({ n: z.coerce.number().int().max(10).default(1) }),
  body: z.object({ name: z.string().min(2), tags: z.array(z.string()).max(2) }).strict(),
  response: z.object({ thingId: z.string(), n: z.number(), name: z.string() }),
})

const boom = defineRoute({
  operationId: 'boom',
  method: 'GET',
  path: '/v1/boom',
  summary: 'fails',
  tag: 'Test',
  access: { public: true },
  response: z.object({}),
})

const secret = defineRoute({
  operationId: 'secret',
  method: 'GET',
  path: '/v1/secret',
  summary: 'needs a token',
  tag: 'Test',
  access: { scopes: ['tenant'] },
  response: z.object({}),
})

// Settings only (the stack validates them when built): nothing here reaches a database.
Object.assign(process.env, {
  LOG_LEVEL: 'error',
  ATRIUM_TABLE_NAME: 'atrium-unit',
  LOCAL_MASTER_KEY_FILE: 'unused',
})

const handler = httpFunction([
  bind(
    echo,
    async (req) => ({ ...req.params, n: req.query.n, name: req.body.name, leaked: 'internal' }) as never,
  ),
  bind(boom, async () => {
    throw new Error('connection string postgres://user:pw@db failed')
  }),
  bind(secret, async () => ({})),
])

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
      expect(() => httpFunction([])).toThrow(/ATRIUM_TABLE_NAME/)
    } finally {
      process.env.ATRIUM_TABLE_NAME = saved
      resetConfig()
    }
  })

  it('keeps concurrent invocations apart even when they share a context object', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `name-${i}`)
    const results = await Promise.all(
      names.map((name) => call(handler, 'POST', '/v1/things/abc', { body: { name, tags: [] } })),
    )
    expect(results.map((r) => r.body.name)).toEqual(names)
  })

  it('maps application errors to their status', () => {
    expect(new AppError('SEAT_LIMIT_REACHED', 'full').status).toBe(422)
    expect(new AppError('TENANT_FROZEN', 'frozen').status).toBe(403)
  })
})
