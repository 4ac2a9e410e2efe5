import { config, resetConfig } from '../../lib/core/config.js'

describe('config', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
    resetConfig()
  })

  it('fails fast naming the missing setting', () => {
    process.env = { LOCAL_MASTER_KEY_FILE: 'key' }
    resetConfig()
    expect(() => config()).toThrow(/ATRIUM_TABLE_NAME/)
  })

  it('requires a way to wrap data keys', () => {
    process.env = { ATRIUM_TABLE_NAME: 'atrium-test' }
    resetConfig()
    expect(() => config()).toThrow(/PII_KMS_KEY_ID/)
  })

  it('refuses an access-token lifetime over 15 minutes and malformed retention days', () => {
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'k',
      ACCESS_TOKEN_TTL_SECONDS: '3600',
    }
    resetConfig()
    expect(() => config()).toThrow(/ACCESS_TOKEN_TTL_SECONDS/)
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'k',
      RETENTION_DAYS_BY_LEVEL: 'nope',
    }
    resetConfig()
    expect(() => config()).toThrow(/RETENTION_DAYS_BY_LEVEL/)
  })

  it('reads retention days per customer level', () => {
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'k',
      RETENTION_DAYS_BY_LEVEL: '{"V1":7}',
    }
    resetConfig()
    expect(config().RETENTION_DAYS_BY_LEVEL).toEqual({ V1: 7 })
    expect(config().ACCESS_TOKEN_TTL_SECONDS).toBe(900)
  })

  it('names every malformed setting at once, and reads an empty one as unset', () => {
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'k',
      DYNAMODB_ENDPOINT: 'ftp://example.com',
      TENANT_DOMAINS: 'yes',
      LOGIN_LOCK_MINUTES: '1.5',
      LOG_LEVEL: 'loud',
      PII_KMS_KEY_ID: '',
    }
    resetConfig()
    expect(() => config()).toThrow(
      'invalid configuration: DYNAMODB_ENDPOINT: an http(s) URL; TENANT_DOMAINS: one of true, false; LOGIN_LOCK_MINUTES: a whole number from 1 to 9007199254740991; LOG_LEVEL: one of debug, info, warn, error',
    )
  })

  it('gives the defaults, addresses without a trailing slash and flags as booleans', () => {
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'k',
      PUBLIC_API_URL: 'https://api.example.com//',
      TENANT_DOMAINS: 'true',
      PROVISIONING_SETTLE_MS: '0',
    }
    resetConfig()
    expect(config()).toMatchObject({
      PUBLIC_API_URL: 'https://api.example.com',
      TENANT_DOMAINS: true,
      OUTBOUND_ALLOW_SPECIAL_USE: false,
      PROVISIONING_SETTLE_MS: 0,
      SSO_REFRESH_GRACE_SECONDS: 30,
      LOG_LEVEL: 'info',
      PLATFORM_DOMAIN: 'atrium.localhost',
      PII_KMS_KEY_ID: undefined,
    })
  })
})
