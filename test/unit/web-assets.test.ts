import { assetServer } from '../../functions/web/assets.js'

describe('the web workbench files (functions/web)', () => {
  const serve = assetServer({
    'workbench.js': 'export {}',
    'workbench.css': 'body{}',
    'notes.txt': 'not served',
  })

  it('answers a file with its type, an etag and no-cache; a 304 for what the browser has', () => {
    const js = serve('workbench.js', undefined)
    expect(js).toMatchObject({
      statusCode: 200,
      body: 'export {}',
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    })
    const etag = js.headers?.etag as string
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    expect(serve('workbench.js', etag)).toMatchObject({ statusCode: 304 })
    expect(serve('workbench.js', '"other"').statusCode).toBe(200)
    expect(serve('workbench.css', undefined).headers?.['content-type']).toBe('text/css; charset=utf-8')
  })

  it('finds names exactly: nothing outside the files, nor a file of a type it does not serve', () => {
    for (const name of [
      '',
      'nothing.js',
      '../package.json',
      '..%2Fworkbench.js',
      'notes.txt',
      '/workbench.js',
    ])
      expect([name, serve(name, undefined).statusCode]).toEqual([name, 404])
  })
})
