import { config, resetConfig } from '../../lib/core/config.js'
import { tenantCodeOfHost, tenantIssuer, tenantSite } from '../../lib/core/http/origin.js'

describe("a tenant's own domain", () => {
  const saved = { ...process.env }
  beforeEach(() => {
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'key',
      PLATFORM_DOMAIN: 'atrium.example.com',
      TENANT_DOMAINS: 'false',
    }
    resetConfig()
  })
  afterAll(() => {
    process.env = saved
    resetConfig()
  })

  it('is a tenant code directly under the platform domain, whatever the port and case', () => {
    expect(tenantCodeOfHost('acme.atrium.example.com')).toBe('acme')
    expect(tenantCodeOfHost('ACME.Atrium.Example.com:8443')).toBe('acme')
    for (const host of [
      'atrium.example.com',
      'a.b.atrium.example.com',
      'acme.atrium.example.com.evil.test',
      'acmeatrium.example.com',
      'ac.atrium.example.com',
      'localhost:3000',
    ]) {
      expect(tenantCodeOfHost(host)).toBeUndefined()
    }
  })

  it("puts the issuer at the domain's root there, under /t/<code> elsewhere", () => {
    expect(tenantIssuer({ host: 'acme.atrium.example.com', 'x-forwarded-proto': 'https' }, 'acme')).toBe(
      'https://acme.atrium.example.com',
    )
    expect(tenantIssuer({ host: 'api.example.com', 'x-forwarded-proto': 'https' }, 'acme')).toBe(
      'https://api.example.com/t/acme',
    )
    // another tenant's domain never serves as this tenant's root
    expect(tenantIssuer({ host: 'other.atrium.example.com' }, 'acme')).toBe(
      'http://other.atrium.example.com/t/acme',
    )
  })

  it('is where sign-in addresses are given out once tenant domains reach the API', () => {
    expect(tenantSite({ host: 'localhost:3000' }, 'acme')).toBe('http://localhost:3000/t/acme')
    process.env.TENANT_DOMAINS = 'true'
    resetConfig()
    expect(config().TENANT_DOMAINS).toBe(true)
    expect(tenantSite({ host: 'api.example.com' }, 'acme')).toBe('https://acme.atrium.example.com')
  })
})
