import {
  allOrgSyncBody,
  applicationSyncBody,
  authSyncBody,
  type KitUser,
  kitPath,
  kitTimeStamp,
  revokeFlag,
  singleOrgSyncBody,
  tenantSyncBody,
  V1_FIELDS,
} from '../../lib/provisioning/kit-bodies.js'
import { KitWireError } from '../../lib/provisioning/kit-json.js'

// 2023-11-14T22:13:20Z, 2023-11-15 06:13:20 in UTC+8: the protocol doc's example.
const AT = 1_700_000_000_000
const common = { instanceId: 'ins-001', tenantId: 't-68cbc86', testFlag: 0 as const, nowMs: AT }
const sortedKeys = (o: object) => Object.keys(o).sort()

describe('kit time stamps', () => {
  it('writes yyyyMMddHHmmssSSS in UTC+8', () => {
    expect(kitTimeStamp(AT)).toBe('20231115061320000')
    expect(kitTimeStamp(Date.UTC(2024, 1, 28, 20, 30, 0, 999))).toBe('20240229043000999')
  })

  it('moves to the next day, month and year at 16:00 UTC', () => {
    expect(kitTimeStamp(Date.UTC(2023, 11, 31, 15, 59, 59, 999))).toBe('20231231235959999')
    expect(kitTimeStamp(Date.UTC(2023, 11, 31, 16, 0, 0, 5))).toBe('20240101000000005')
  })

  it('refuses what is not a time', () => {
    expect(() => kitTimeStamp(Number.NaN)).toThrow(KitWireError)
  })
})

describe('kit paths', () => {
  it('puts v2 under /produceAPI/v2', () => {
    expect(kitPath('v1', 'tenantSync')).toBe('/produceAPI/tenantSync')
    expect(kitPath('v2', 'tenantSync')).toBe('/produceAPI/v2/tenantSync')
    expect(kitPath('v1', 'allOrgSync')).toBe('/produceAPI/allOrgSync')
    expect(kitPath('v2', 'singleOrgSync')).toBe('/produceAPI/v2/singleOrgSync')
  })
})

const tenant = {
  ...common,
  orderId: 'CS2311150000001',
  tenantCode: 'acme',
  name: 'Acme Ltd',
  domainName: 'https://acme.atrium.example',
}

describe('tenantSync and applicationSync', () => {
  it('carry the common fields and their own, the same in both versions', () => {
    const body = tenantSyncBody('v2', { ...tenant, flag: 1 })
    const { nowMs: _, ...fields } = tenant
    expect(body).toStrictEqual({ ...fields, timeStamp: '20231115061320000', flag: 1 })
    expect(tenantSyncBody('v1', { ...tenant, flag: 1 })).toEqual(body)
    expect(sortedKeys(body)).toEqual([...V1_FIELDS.tenantSync].sort())
    const app = applicationSyncBody('v2', {
      ...common,
      appId: 'app-1',
      clientId: 'c-1',
      clientSecret: 'b64==',
      flag: 2,
    })
    expect(sortedKeys(app)).toEqual([...V1_FIELDS.applicationSync].sort())
  })

  it('allow modify (2) in v2 only: a type error with a literal version, a throw with a stored one', () => {
    // @ts-expect-error v1 has no tenantSync modify
    expect(() => tenantSyncBody('v1', { ...tenant, flag: 2 })).toThrow(/tenantSync v1 takes flag 0, 1, not 2/)
    const stored = 'v1' as 'v1' | 'v2'
    expect(() =>
      applicationSyncBody(stored, { ...common, appId: 'a', clientId: 'c', clientSecret: 's', flag: 2 }),
    ).toThrow(KitWireError)
  })

  it('allow an empty instance and order for self-test, and hold fields to their documented lengths', () => {
    expect(
      tenantSyncBody('v2', { ...tenant, instanceId: '', orderId: '', testFlag: 1, flag: 1 }),
    ).toMatchObject({
      instanceId: '',
      orderId: '',
      testFlag: 1,
    })
    expect(() => tenantSyncBody('v2', { ...tenant, tenantCode: 'x'.repeat(65), flag: 1 })).toThrow(
      /tenantCode: is longer than 64/,
    )
    expect(() => tenantSyncBody('v2', { ...tenant, tenantId: ' ', flag: 1 })).toThrow(/tenantId: is required/)
    // a name shown to people is cut, never half a surrogate pair; an identifier is refused
    expect(tenantSyncBody('v2', { ...tenant, name: `${'n'.repeat(254)}😀`, flag: 1 }).name).toBe(
      'n'.repeat(254),
    )
  })
})

const alice: KitUser = {
  userName: 'alice',
  name: 'Alice Zhang',
  orgCode: 'd-1',
  role: 'admin',
  enable: true,
  employeeType: 2,
  workPlace: 'Shenzhen',
  entryDate: '2023-3-1',
  email: 'alice@acme.example',
  extension: { ledger: 'L-01' },
}
const bob: KitUser = { userName: 'bob', name: 'Bob', orgCode: 'd-2', role: 'user', enable: false }

describe('authSync', () => {
  it('v2 sends userList as an array, enable as strings, employeeType as an int, only the given fields', () => {
    const body = authSyncBody('v2', { ...common, appId: 'app-1', users: [alice, bob], flag: 1 })
    expect(body.userList).toEqual([
      {
        userName: 'alice',
        name: 'Alice Zhang',
        orgCode: 'd-1',
        role: 'admin',
        enable: 'true',
        email: 'alice@acme.example',
        workPlace: 'Shenzhen',
        entryDate: '2023-3-1',
        employeeType: 2,
        extension: { ledger: 'L-01' },
      },
      { userName: 'bob', name: 'Bob', orgCode: 'd-2', role: 'user', enable: 'false' },
    ])
    expect(body.currentSyncTime).toBe('20231115061320000')
    expect(sortedKeys(body)).toEqual([...V1_FIELDS.authSync].sort())
  })

  it('v1 sends userList as a JSON string, employeeType as a string, mirrored in extension (Q6)', () => {
    const body = authSyncBody('v1', {
      ...common,
      appId: 'app-1',
      users: [alice, bob],
      flag: 2,
      syncTimeMs: AT - 1,
    })
    expect(typeof body.userList).toBe('string')
    const [a, b] = JSON.parse(body.userList as string)
    expect(a).toMatchObject({
      employeeType: '2',
      workPlace: 'Shenzhen',
      entryDate: '2023-3-1',
      enable: 'true',
    })
    expect(a.extension).toEqual({
      ledger: 'L-01',
      entryDate: '2023-3-1',
      employeeType: '2',
      workPlace: 'Shenzhen',
    })
    expect(b).toEqual({ userName: 'bob', name: 'Bob', orgCode: 'd-2', role: 'user', enable: 'false' })
    expect(body.currentSyncTime).toBe('20231115061319999')
    expect(sortedKeys(body)).toEqual([...V1_FIELDS.authSync].sort())
  })

  it('cuts a long display name or position to its documented length', () => {
    const long = { ...bob, name: '名'.repeat(100), position: 'p'.repeat(70) }
    const [user] = authSyncBody('v2', { ...common, appId: 'a', users: [long], flag: 1 }).userList as {
      name: string
      position: string
    }[]
    expect([user?.name, user?.position]).toEqual(['名'.repeat(64), 'p'.repeat(64)])
  })

  it('sends an empty string to clear a field (Q5) and cleans nested text', () => {
    const body = authSyncBody('v2', {
      ...common,
      appId: 'app-1',
      users: [{ ...bob, name: 'B\u0000ob', mobile: '', employeeType: '' }],
      flag: 2,
    })
    expect(body.userList).toEqual([
      {
        userName: 'bob',
        name: 'Bob',
        orgCode: 'd-2',
        role: 'user',
        enable: 'false',
        mobile: '',
        employeeType: '',
      },
    ])
  })

  it('takes 1 to 500 users per call', () => {
    const users = Array.from({ length: 501 }, (_, i) => ({ ...bob, userName: `u${i}` }))
    expect(
      authSyncBody('v2', { ...common, appId: 'a', users: users.slice(0, 500), flag: 1 }).userList,
    ).toHaveLength(500)
    expect(() => authSyncBody('v2', { ...common, appId: 'a', users, flag: 1 })).toThrow(
      /501 users, at most 500/,
    )
    expect(() => authSyncBody('v1', { ...common, appId: 'a', users: [], flag: 1 })).toThrow(/at least one/)
  })

  it('revokes a grant with 3 in v2 and 0 in v1, which has no 3', () => {
    expect(revokeFlag('v2')).toBe(3)
    expect(revokeFlag('v1')).toBe(0)
    expect(authSyncBody('v2', { ...common, appId: 'a', users: [bob], flag: revokeFlag('v2') }).flag).toBe(3)
    // @ts-expect-error v1 has no authSync revoke
    expect(() => authSyncBody('v1', { ...common, appId: 'a', users: [bob], flag: 3 })).toThrow(/not 3/)
  })

  it('refuses a user that breaks the table', () => {
    const call = (user: KitUser) => () =>
      authSyncBody('v2', { ...common, appId: 'a', users: [bob, user], flag: 1 })
    expect(call({ ...bob, role: 'owner' as 'admin' })).toThrow(/userList\[1\]\.role/)
    expect(call({ ...bob, userName: 'u'.repeat(65) })).toThrow(/userList\[1\]\.userName: is longer than 64/)
    expect(call({ ...bob, email: `${'e'.repeat(120)}@x.example` })).toThrow(
      /userList\[1\]\.email: is longer than 128/,
    )
    expect(call({ ...bob, employeeType: 5 as 1 })).toThrow(/employeeType/)
    expect(call({ ...bob, extension: { rate: 1.5 } })).toThrow(/userList\[1\]\.extension\.rate/)
  })
})

describe('departments', () => {
  const orgs = [
    { orgCode: 'd-1', orgName: 'Head office', parentCode: '' },
    { orgCode: 'd-2', orgName: 'Sales', parentCode: 'd-1' },
  ]

  it('singleOrgSync carries orgCode, orgName, parentCode and a flag', () => {
    const body = singleOrgSyncBody('v1', { ...common, ...orgs[1]!, flag: 2 })
    expect(body).toMatchObject({ orgCode: 'd-2', orgName: 'Sales', parentCode: 'd-1', flag: 2 })
    expect(sortedKeys(body)).toEqual([...V1_FIELDS.singleOrgSync].sort())
  })

  it('allOrgSync: v1 a JSON string of {orgCode, name, parentCode}, v2 an array with orgName; no flag', () => {
    const v1 = allOrgSyncBody('v1', { ...common, orgs })
    expect(v1.orgInfo).toBe(
      '[{"orgCode":"d-1","name":"Head office","parentCode":""},{"orgCode":"d-2","name":"Sales","parentCode":"d-1"}]',
    )
    expect(sortedKeys(v1)).toEqual([...V1_FIELDS.allOrgSync].sort())
    const v2 = allOrgSyncBody('v2', { ...common, orgs })
    expect(v2.orgInfoList).toEqual(orgs)
    expect(v2).not.toHaveProperty('flag')
    expect(v2).not.toHaveProperty('orgInfo')
  })
})
