import type * as Meta from '../../functions/meta/handler.js'
import { call } from '../support/lambda.js'

describe('the catch-all route (meta)', () => {
  let handler: typeof Meta.handler
  beforeAll(async () => {
    // Settings only (the handler validates them when loaded): no request here reaches a database.
    Object.assign(process.env, {
      LOG_LEVEL: 'error',
      ATRIUM_TABLE_NAME: 'atrium-unit',
      LOCAL_MASTER_KEY_FILE: 'unused',
    })
    ;({ handler } = await import('../../functions/meta/handler.js'))
  })

  it('answers a path the API does not have with the API error shape, 404', async () => {
    const res = await call(handler, 'GET', '/v2/nothing/here')
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /v2/nothing/here' } })
    expect(res.headers['content-type']).toContain('application/json')
    expect(res.headers['x-correlation-id']).toBeTruthy()
  })

  it("answers 405 for another function's path with a method it does not serve, naming those it does", async () => {
    const plans = await call(handler, 'DELETE', '/v1/plans')
    expect(plans.status).toBe(405)
    expect(plans.body.error).toEqual({
      code: 'METHOD_NOT_ALLOWED',
      message: 'DELETE is not allowed on /v1/plans (allowed: GET)',
    })
    // a static path also fits its templated sibling: both count
    const exportPath = await call(handler, 'POST', '/v1/members/export')
    expect(exportPath.status).toBe(405)
    expect(exportPath.body.error.message).toBe(
      'POST is not allowed on /v1/members/export (allowed: GET, PATCH, DELETE)',
    )
    const templated = await call(handler, 'PUT', '/v1/tenants/t1/freeze')
    expect(templated.body.error.message).toBe('PUT is not allowed on /v1/tenants/t1/freeze (allowed: POST)')
  })

  it('does not take an empty segment for a path parameter, nor a trailing slash for the path', async () => {
    expect((await call(handler, 'POST', '/v1/tenants//freeze')).status).toBe(404)
    expect((await call(handler, 'DELETE', '/v1/plans/')).status).toBe(404)
  })

  it('never claims an operation another function serves (API Gateway routes it there)', async () => {
    const res = await call(handler, 'GET', '/v1/plans')
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('NOT_FOUND')
  })

  it("still serves meta's own routes, and refuses other methods on them", async () => {
    expect((await call(handler, 'GET', '/v1/health')).body.status).toBe('ok')
    const post = await call(handler, 'POST', '/v1/health')
    expect(post.status).toBe(405)
    expect(post.body.error.code).toBe('METHOD_NOT_ALLOWED')
  })

  it('sends a browser at the root on to the docs page', async () => {
    const res = await call(handler, 'GET', '/')
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/v1/docs')
  })
})
