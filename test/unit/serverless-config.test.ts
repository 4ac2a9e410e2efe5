import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import { allRoutes } from '../../scripts/api-document.js'

interface Fn {
  handler: string
  role?: string
  // `httpApi: '*'` is API Gateway's $default route (the catch-all)
  events?: { httpApi?: { method: string; path: string } | '*' }[]
}

const config = parse(readFileSync(resolve(__dirname, '../../serverless.yml'), 'utf8')) as {
  plugins: string[]
  provider: { runtime: string }
  package: { individually: boolean }
  functions: Record<string, Fn>
  resources: { Resources: Record<string, { Type: string }> }
}

describe('serverless.yml', () => {
  it('bundles each function with esbuild before offline runs them, on Node 22', () => {
    expect(config.provider.runtime).toBe('nodejs22.x')
    expect(config.plugins.indexOf('serverless-esbuild')).toBeLessThan(
      config.plugins.indexOf('serverless-offline'),
    )
    expect(config.package.individually).toBe(true)
  })

  it('gives every function a role of its own', () => {
    const roles = Object.values(config.functions).map((f) => f.role)
    expect(new Set(roles).size).toBe(roles.length)
    for (const role of roles) expect(config.resources.Resources[role as string]?.Type).toBe('AWS::IAM::Role')
  })

  it('routes exactly the operations the code binds, each to the function that serves it', async () => {
    const declared = new Set<string>()
    for (const [name, fn] of Object.entries(config.functions)) {
      expect(fn.handler).toBe(`functions/${name}/handler.handler`)
      // the tenants' sign-in sites (sso) are pages and protocol endpoints, and the web workbench's files
      // (web) are files: neither is an operation of the API
      const routesDeclared = (['sso', 'web'].includes(name) ? [] : (fn.events ?? [])).flatMap((e) =>
        typeof e.httpApi === 'object' ? [`${e.httpApi.method} ${e.httpApi.path}`] : [],
      )
      if (routesDeclared.length === 0) continue
      const { routes } = (await import(
        `../../functions/${name}/routes.js`
      )) as typeof import('../../functions/meta/routes.js')
      const bound = new Set(routes.map((r) => `${r.spec.method} ${r.spec.path}`))
      const events = new Set(routesDeclared)
      expect([name, [...events].sort()]).toEqual([name, [...bound].sort()])
      for (const e of events) declared.add(e)
    }
    expect([...declared].sort()).toEqual(
      allRoutes()
        .map((r) => `${r.spec.method} ${r.spec.path}`)
        .sort(),
    )
  })

  it("serves every tenant's sign-in site from the sso function alone", () => {
    const sites = Object.entries(config.functions).flatMap(([name, fn]) =>
      (fn.events ?? []).flatMap((e) =>
        typeof e.httpApi === 'object' && e.httpApi.path.startsWith('/t/')
          ? [`${name} ${e.httpApi.method} ${e.httpApi.path}`]
          : [],
      ),
    )
    expect(sites.sort()).toEqual(['sso GET /t/{tenantCode}/{proxy+}', 'sso POST /t/{tenantCode}/{proxy+}'])
  })

  it("maps each tenant's own domain to the API only when deployed with its certificate", () => {
    const resources = config.resources.Resources as Record<string, { Type: string; Condition?: string }>
    const domain = Object.values(resources).filter((r) => r.Type.startsWith('AWS::ApiGatewayV2::'))
    expect(domain.map((r) => [r.Type, r.Condition]).sort()).toEqual([
      ['AWS::ApiGatewayV2::ApiMapping', 'TenantDomains'],
      ['AWS::ApiGatewayV2::DomainName', 'TenantDomains'],
    ])
    const root = (config.functions.sso?.events ?? []).flatMap((e) =>
      typeof e.httpApi === 'object' && !e.httpApi.path.startsWith('/t/')
        ? [`${e.httpApi.method} ${e.httpApi.path}`]
        : [],
    )
    // what the issuer's addresses need at a domain's root (site.ts), `/` being meta's redirect to /login
    expect(root.sort()).toEqual(
      [
        'GET /login',
        'GET /launch/{appId}',
        'GET /interaction/{uid}',
        'POST /interaction/{uid}',
        'GET /.well-known/openid-configuration',
        'GET /api/v1/{proxy+}',
        'POST /api/v1/{proxy+}',
        'GET /cas/{proxy+}',
        'POST /session/handoff',
      ].sort(),
    )
  })

  it('sends every request no route takes to meta, and nothing else to the catch-all', () => {
    const catchAlls = Object.entries(config.functions).flatMap(([name, fn]) =>
      (fn.events ?? []).filter((e) => e.httpApi === '*').map(() => name),
    )
    expect(catchAlls).toEqual(['meta'])
  })
})
