import { randomBytes } from 'node:crypto'
import { FieldCipher } from '../../lib/core/crypto/field-cipher.js'
import { base32, secretDigest } from '../../lib/core/ids.js'
import { accountName, memberAad } from '../../lib/directory/member-record.js'
import { casAttributes, oidcClaims, workbenchUserinfo } from '../../lib/sso/claims.js'
import { type AppIdentity, identityFrom, type Standing } from '../../lib/sso/identity.js'

const cipher = new FieldCipher(randomBytes(32))
const tenantId = '01tenanttenanttenanttenant'
const memberId = '01membermembermembermember'
const person = { name: 'Li Lei', mobile: '+8613900000001', email: 'li.lei@corp.test' }

const standing = (
  over: {
    approved?: string[]
    requested?: string[]
    roles?: string[]
    tenant?: Partial<NonNullable<Standing['tenant']>>
    app?: Record<string, unknown>
    membership?: Record<string, unknown>
    entitlement?: Standing['entitlement']
  } = {},
): Standing =>
  ({
    tenant: { tenantId, name: 'Acme', status: 'active', ...over.tenant },
    app: {
      tenantId,
      appCode: 'app-expenses',
      source: 'self-built',
      status: 'active',
      addedAt: '2026-01-01T00:00:00Z',
      enabled: true,
      clientId: 'cli_x',
      clientSecretHash: secretDigest('sec_right'),
      approvedFields: over.approved ?? [],
      definition: {
        name: 'Expenses',
        clientTypes: ['h5'],
        protocol: 'code',
        redirectUris: [],
        casServices: [],
        requestedFields: over.requested ?? ['mobile', 'email', 'employeeNo', 'departments', 'position'],
        attributes: [
          { key: 'ledger', name: 'Ledger', options: ['L1', 'L2'] },
          // named like claims: never passed off as them
          { key: 'mobile', name: 'Shadow mobile' },
          { key: 'phone_number', name: 'Shadow phone' },
          { key: 'iss', name: 'Shadow issuer' },
        ],
      },
      ...over.app,
    },
    membership: {
      realm: 'tenant',
      ctx: tenantId,
      accountId: memberId,
      ctxCode: 'acme',
      nameEnc: cipher.encrypt(person.name, memberAad(memberId, 'name')),
      mobileEnc: cipher.encrypt(person.mobile, memberAad(memberId, 'mobile')),
      emailEnc: cipher.encrypt(person.email, memberAad(memberId, 'email')),
      employeeNo: 'E-0042',
      departmentIds: ['dept-a', 'dept-b'],
      status: 'active',
      roles: over.roles ?? [],
      GSI1PK: '-',
      GSI1SK: '-',
      ...over.membership,
    },
    account: { status: 'active' },
    entitlement: 'entitlement' in over ? over.entitlement : { state: 'entitled' },
    departmentNames: { 'dept-a': 'Finance', 'dept-b': 'Secret project' },
    attributeValues: {
      values: { ledger: 'L2', mobile: '+8600000000000', phone_number: '+8611111111111', iss: 'https://evil' },
    },
  }) as never

const identityOf = (s: Standing): AppIdentity => {
  const result = identityFrom(s, cipher)
  if (!result.ok) throw new Error(result.refusal)
  return result.identity
}

const shapes = (identity: AppIdentity) => ({
  workbench: workbenchUserinfo(identity) as Record<string, unknown>,
  oidc: oidcClaims(identity) as Record<string, unknown>,
  cas: casAttributes(identity).attributes as Record<string, unknown>,
})

describe('what an app learns about a member', () => {
  it('gives an app only the personal fields approved for it, in every protocol', () => {
    const identity = identityOf(standing({ approved: ['email'] }))
    expect(identity.fields).toEqual({ email: person.email })
    for (const [shape, claims] of Object.entries(shapes(identity))) {
      const text = JSON.stringify(claims)
      for (const secret of [person.mobile, 'E-0042', 'Secret project', '+8600000000000', '+8611111111111']) {
        expect([shape, text.includes(secret)]).toEqual([shape, false])
      }
      for (const key of ['mobile', 'phone_number', 'employeeCode', 'departments', 'departmentNames', 'iss']) {
        expect([shape, key in claims]).toEqual([shape, false])
      }
      expect([shape, claims.email, claims.ledger]).toEqual([shape, person.email, 'L2'])
    }
  })

  it('gives none by default, and none the app no longer asks for', () => {
    for (const s of [standing(), standing({ approved: ['email', 'mobile'], requested: ['mobile'] })]) {
      const identity = identityOf(s)
      for (const claims of Object.values(shapes(identity))) expect('email' in claims).toBe(false)
    }
    expect(identityOf(standing({ approved: ['email', 'mobile'], requested: ['mobile'] })).fields).toEqual({
      mobile: person.mobile,
    })
  })

  it('gives every approved field under each protocol’s names', () => {
    const identity = identityOf(standing({ approved: ['mobile', 'email', 'employeeNo', 'departments'] }))
    const { workbench, oidc, cas } = shapes(identity)
    expect(workbench).toMatchObject({
      mobile: person.mobile,
      phone_number: person.mobile,
      email: person.email,
      employeeCode: 'E-0042',
      departments: [
        { code: 'dept-a', name: 'Finance' },
        { code: 'dept-b', name: 'Secret project' },
      ],
    })
    expect(oidc).toMatchObject({ phone_number: person.mobile, email: person.email, employeeCode: 'E-0042' })
    expect(cas).toMatchObject({
      mobile: person.mobile,
      departments: ['dept-a', 'dept-b'],
      departmentNames: ['Finance', 'Secret project'],
    })
  })

  it('names the member by an account name that is not their login, the same in every shape', () => {
    const identity = identityOf(standing())
    const name = accountName(tenantId, memberId)
    expect(name).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/)
    expect(accountName('01othertenantothertenantot', memberId)).not.toBe(name)
    expect(identity).toMatchObject({
      sub: name,
      accountName: name,
      name: person.name,
      role: 'user',
      organizationCode: 'dept-a',
      organizationName: 'Finance',
      tenantId,
      tenantName: 'Acme',
    })
    const { workbench, oidc } = shapes(identity)
    for (const key of ['id', 'userId', 'userName', 'accName', 'loginName', 'sub', 'preferred_username']) {
      expect(workbench[key]).toBe(name)
    }
    expect(oidc).toMatchObject({ sub: name, preferred_username: name, tenant: tenantId, role: 'user' })
    expect(casAttributes(identity)).toMatchObject({
      user: name,
      attributes: { userName: name, tenant: tenantId, organizationCode: 'dept-a' },
    })
    expect(identityOf(standing({ roles: ['tenant_admin'] })).role).toBe('admin')
    // Crockford base32, most significant bit first
    expect(base32(Buffer.from('foobar'))).toBe('csqpyrk1e8')
  })

  it('refuses, in order, a tenant not active, an app off or lapsed, a member disabled, waiting or not granted', () => {
    const refusal = (s: Standing) => {
      const result = identityFrom(s, cipher)
      return result.ok ? 'ok' : result.refusal
    }
    expect(refusal(standing({ tenant: { status: 'frozen' } }))).toBe('tenant_inactive')
    // a released tenant's data key is gone
    expect(identityFrom(standing(), undefined)).toMatchObject({ ok: false, refusal: 'tenant_inactive' })
    expect(refusal(standing({ app: { status: 'released' } }))).toBe('no_such_app')
    expect(refusal(standing({ app: { enabled: false }, membership: { status: 'disabled' } }))).toBe(
      'app_disabled',
    )
    expect(refusal(standing({ app: { status: 'expired' } }))).toBe('app_lapsed')
    expect(refusal(standing({ membership: { status: 'disabled' } }))).toBe('member_disabled')
    expect(refusal(standing({ entitlement: { state: 'waiting' } }))).toBe('waiting_for_seat')
    expect(refusal(standing({ entitlement: undefined }))).toBe('not_entitled')
    expect(refusal(standing())).toBe('ok')
  })

  it('never lets an attribute take the name of a claim of any protocol', () => {
    const full = identityOf(standing({ approved: ['mobile', 'email', 'employeeNo', 'departments'] }))
    const names = new Set(Object.values(shapes(full)).flatMap((claims) => Object.keys(claims)))
    names.delete('ledger')
    const shadowing = { ...full, attributes: Object.fromEntries([...names].map((n) => [n, 'shadow'])) }
    for (const [shape, claims] of Object.entries(shapes(shadowing))) {
      expect([shape, Object.entries(claims).filter(([, v]) => v === 'shadow')]).toEqual([shape, []])
    }
  })

  it("tells whether a secret is the app client's, whatever the outcome", () => {
    const result = identityFrom(standing({ membership: { status: 'disabled' } }), cipher)
    expect(result.app?.clientId).toBe('cli_x')
    expect(result.app?.secretMatches('sec_right')).toBe(true)
    expect(result.app?.secretMatches('sec_wrong')).toBe(false)
  })
})
