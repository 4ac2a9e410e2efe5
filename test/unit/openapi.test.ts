import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { allRoutes, apiDocument } from '../../scripts/api-document.js'

describe('the OpenAPI document', () => {
  it('is the one the schemas generate (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(resolve(__dirname, '../../docs/openapi.json'), 'utf8'))
    expect(committed).toEqual(JSON.parse(JSON.stringify(apiDocument())))
  })

  it('names every operation once and documents every route', () => {
    const ids = allRoutes().map((r) => r.spec.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    const doc = apiDocument()
    for (const { spec } of allRoutes()) {
      expect(doc.paths[spec.path]?.[spec.method.toLowerCase()]).toBeDefined()
    }
  })

  it('resolves every $ref to a component', () => {
    const doc = apiDocument()
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? []
    for (const ref of refs) {
      const name = ref.split('/').pop()?.replace('"', '') as string
      expect(doc.components.schemas).toHaveProperty(name)
    }
  })
})
