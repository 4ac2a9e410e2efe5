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
})
