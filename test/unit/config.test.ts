import { config, resetConfig } from '../../lib/core/config.js'

describe('config', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
    resetConfig()
  })

  /** Exactly these variables set, read afresh. */
  const only = (env: Record<string, string>) => {
    process.env = env
    resetConfig()
    return config
  }
  /** A table and a local key, and these. */
  const given = (env: Record<string, string>) =>
    only({ ATRIUM_TABLE_NAME: 'atrium-test', LOCAL_MASTER_KEY_FILE: 'k', ...env })

  it('fails fast naming the missing setting', () => {
    expect(only({ LOCAL_MASTER_KEY_FILE: 'key' })).toThrow(/ATRIUM_TABLE_NAME/)
  })

  it('requires a way to wrap data keys', () => {
    expect(only({ ATRIUM_TABLE_NAME: 'atrium-test' })).toThrow(/PII_KMS_KEY_ID/)
  })

  it('refuses an access-token lifetime over 15 minutes and malformed retention days', () => {
    expect(given({ ACCESS_TOKEN_TTL_SECONDS: '3600' })).toThrow(/ACCESS_TOKEN_TTL_SECONDS/)
    expect(given({ RETENTION_DAYS_BY_LEVEL: 'nope' })).toThrow(/RETENTION_DAYS_BY_LEVEL/)
  })

  it('reads retention days per customer level', () => {
    const read = given({ RETENTION_DAYS_BY_LEVEL: '{"V1":7}' })()
    expect([read.RETENTION_DAYS_BY_LEVEL, read.ACCESS_TOKEN_TTL_SECONDS]).toEqual([{ V1: 7 }, 900])
  })

  it('names every malformed setting at once, and reads an empty one as unset', () => {
    const read = given({
      DYNAMODB_ENDPOINT: 'ftp://example.com',
      TENANT_DOMAINS: 'yes',
      LOGIN_LOCK_MINUTES: '1.5',
      LOG_LEVEL: 'loud',
      PII_KMS_KEY_ID: '',
    })
    expect(read).toThrow(
      'invalid configuration: DYNAMODB_ENDPOINT: an http(s) URL; TENANT_DOMAINS: one of true, false; LOGIN_LOCK_MINUTES: a whole number from 1 to 9007199254740991; LOG_LEVEL: one of debug, info, warn, error',
    )
  })

  it('gives the defaults, addresses without a trailing slash and flags as booleans', () => {
    const read = given({
      PUBLIC_API_URL: 'https://api.example.com//',
      TENANT_DOMAINS: 'true',
      PROVISIONING_SETTLE_MS: '0',
    })
    expect(read()).toMatchObject({
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
