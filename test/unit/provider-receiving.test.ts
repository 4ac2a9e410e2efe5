import {
  encryptClientSecret,
  OAEP_PROFILES,
  readProviderPublicKey,
} from '../../lib/provisioning/client-secret.js'
import { allOrgSyncBody, authSyncBody } from '../../lib/provisioning/kit-bodies.js'
import { decryptClientSecret, loadOrCreateKeys } from '../../scripts/local/provider/keys.js'
import { type KitCall, kitRoute, readKitCall } from '../../scripts/local/provider/kit.js'
import { applyCall, emptyState } from '../../scripts/local/provider/state.js'

const common = { instanceId: 'ins-1', tenantId: 't-1', testFlag: 0 as const, nowMs: 1_700_000_000_000 }
const user = (userName: string) => ({
  userName,
  name: userName.toUpperCase(),
  orgCode: 'o-1',
  role: 'user' as const,
  enable: true,
})

const read = (...args: Parameters<typeof readKitCall>): KitCall => {
  const result = readKitCall(...args)
  if (!result.ok) throw new Error(result.message)
  return result.call
}

describe('the stand-in provider, receiving', () => {
  it('opens only the secrets sealed under its own OAEP profile (the default: SHA-256 with MGF1-SHA1)', async () => {
    const { privateKey, publicKeyPem } = await loadOrCreateKeys()
    const key = readProviderPublicKey(publicKeyPem)
    for (const sealedWith of OAEP_PROFILES) {
      for (const openedWith of OAEP_PROFILES) {
        const sealed = encryptClientSecret(key, 'sec_Ünïcode-secret', sealedWith)
        const open = () => decryptClientSecret(privateKey, sealed, openedWith)
        if (sealedWith === openedWith) expect(open()).toBe('sec_Ünïcode-secret')
        else expect(open).toThrow('does not decrypt')
      }
    }
    expect(() => decryptClientSecret(privateKey, 'not base64!')).toThrow('does not decrypt')
    expect(() => decryptClientSecret(privateKey, Buffer.alloc(384, 1).toString('base64'))).toThrow(
      'does not decrypt',
    )
  }, 30_000)

  it('reads both versions into one shape, and names what does not read', () => {
    expect(kitRoute('/produceAPI/authSync')).toEqual({ version: 'v1', iface: 'authSync' })
    expect(kitRoute('/produceAPI/v2/allOrgSync')).toEqual({ version: 'v2', iface: 'allOrgSync' })
    expect(kitRoute('/produceAPI/v2/orderSync')).toBeUndefined()
    const v1 = read(
      'v1',
      'authSync',
      authSyncBody('v1', { ...common, appId: 'a', users: [user('ann')], flag: 1 }),
    )
    const v2 = read(
      'v2',
      'authSync',
      authSyncBody('v2', { ...common, appId: 'a', users: [user('ann')], flag: 1 }),
    )
    expect(v1).toMatchObject({ iface: 'authSync', users: [{ userName: 'ann', enable: 'true' }] })
    expect(v2).toMatchObject({ iface: 'authSync', users: [{ userName: 'ann', enable: 'true' }] })
    const orgs = [{ orgCode: 'o-1', orgName: 'Sales', parentCode: '' }]
    expect(read('v1', 'allOrgSync', allOrgSyncBody('v1', { ...common, orgs }))).toMatchObject({ orgs })
    expect(read('v2', 'allOrgSync', allOrgSyncBody('v2', { ...common, orgs }))).toMatchObject({ orgs })
    // v1 has no revoke; a user list that is not JSON; a missing field
    const body = authSyncBody('v2', { ...common, appId: 'a', users: [user('ann')], flag: 3 })
    expect(readKitCall('v1', 'authSync', { ...body, userList: JSON.stringify(body.userList) })).toEqual({
      ok: false,
      message: 'flag: authSync v1 takes flag 0, 1, 2',
    })
    expect(readKitCall('v1', 'authSync', { ...body, flag: 1, userList: '[{' })).toMatchObject({
      message: 'userList: is not a JSON string',
    })
    const { orgCode: _, ...nameless } = user('bob')
    expect(readKitCall('v2', 'authSync', { ...body, userList: [nameless] })).toMatchObject({
      message: expect.stringMatching(/^userList\[0\]\.orgCode: /),
    })
  })

  it('applies every call idempotently (protocol doc C.9)', () => {
    const state = emptyState()
    const users = (flag: 0 | 1 | 2 | 3, ...names: string[]) =>
      read('v2', 'authSync', authSyncBody('v2', { ...common, appId: 'a', users: names.map(user), flag }))
    const at = '2026-01-01T00:00:00.000Z'
    const apply = (call: KitCall) => applyCall(state, call, at)
    apply(users(1, 'ann', 'bob'))
    apply(users(1, 'ann'))
    const tenant = state.tenants.get('t-1')
    expect([...(tenant?.users.keys() ?? [])]).toEqual(['ann', 'bob'])
    apply(users(3, 'ann'))
    apply(users(3, 'ann'))
    // a modify of a revoked user keeps the grant revoked; only an add grants again
    apply(users(2, 'ann'))
    expect(tenant?.users.get('ann')?.state).toBe('revoked')
    apply(users(1, 'ann'))
    expect(tenant?.users.get('ann')?.state).toBe('granted')
    apply(users(0, 'bob'))
    apply(users(0, 'bob'))
    expect([...(tenant?.users.keys() ?? [])]).toEqual(['ann'])

    const orgs = (list: { orgCode: string; orgName: string; parentCode: string }[]) =>
      read('v2', 'allOrgSync', allOrgSyncBody('v2', { ...common, orgs: list }))
    const sales = { orgCode: 'o-1', orgName: 'Sales', parentCode: '' }
    apply(orgs([sales, { orgCode: 'o-2', orgName: 'Ops', parentCode: 'o-1' }]))
    apply(orgs([sales]))
    apply(orgs([sales]))
    expect([...(tenant?.orgs.values() ?? [])]).toEqual([sales])

    const tenantSync = (flag: number) => ({
      ...common,
      iface: 'tenantSync' as const,
      timeStamp: '20260101080000000',
      orderId: '',
      tenantCode: 'acme',
      name: 'Acme',
      domainName: 'http://localhost:3000/t/acme/',
      flag,
    })
    apply(tenantSync(1))
    apply(tenantSync(1))
    expect(state.tenants.get('t-1')).toMatchObject({
      tenantCode: 'acme',
      domainName: 'http://localhost:3000/t/acme',
    })
    apply(tenantSync(0))
    apply(tenantSync(0))
    expect(state.tenants.size).toBe(0)
  })
})
