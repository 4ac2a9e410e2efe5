import type { KitUser } from '../../lib/provisioning/kit-bodies.js'
import { MAX_RETRY_AFTER_MS, retryDelayMs, retryWaitMs } from '../../lib/provisioning/pump.js'
import {
  deactivatePatch,
  externalIdQuery,
  filterValue,
  groupIdsOf,
  membersPatch,
  renamePatch,
  retryAfterMs,
  SCIM,
  safeDetail,
  scimGroup,
  scimProblem,
  scimUser,
  userNameQuery,
  userPatch,
  withOpsCase,
  writable,
} from '../../lib/provisioning/scim-resources.js'

const base: KitUser = { userName: 'u-7f3a', name: 'Ann Lee', orgCode: 'd-1', role: 'user', enable: true }

describe('a member as a SCIM User', () => {
  it('carries only what the app may see: no e-mail, phone or title unless approved', () => {
    expect(scimUser(base)).toEqual({
      schemas: [SCIM.user, SCIM.enterprise],
      userName: 'u-7f3a',
      externalId: 'u-7f3a',
      name: { formatted: 'Ann Lee' },
      displayName: 'Ann Lee',
      active: true,
      [SCIM.enterprise]: { department: 'd-1' },
    })
  })

  it('adds the approved fields, and leaves out withdrawn ones ("")', () => {
    const user = scimUser({
      ...base,
      enable: false,
      email: 'ann@corp.test',
      mobile: '+8613800000000',
      position: 'Engineer',
      employeeCode: 'E-9',
    })
    expect(user).toMatchObject({
      emails: [{ value: 'ann@corp.test', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+8613800000000', type: 'mobile' }],
      title: 'Engineer',
      active: false,
      [SCIM.enterprise]: { employeeNumber: 'E-9', department: 'd-1' },
    })
    const cleared = scimUser({ ...base, email: '', mobile: '', position: '', employeeCode: '' })
    expect(cleared).not.toHaveProperty('emails')
    expect(cleared).not.toHaveProperty('phoneNumbers')
    expect(cleared).not.toHaveProperty('title')
    expect(cleared[SCIM.enterprise]).toEqual({ department: 'd-1' })
    expect(cleared).not.toHaveProperty('id')
    expect(cleared).not.toHaveProperty('meta')
  })

  it('has no enterprise extension when it has nothing to carry', () => {
    const user = scimUser({ ...base, orgCode: '' })
    expect(user.schemas).toEqual([SCIM.user])
    expect(user).not.toHaveProperty(SCIM.enterprise)
  })
})

describe('the look-up filter', () => {
  it('escapes quotes and backslashes and URL-encodes the whole filter', () => {
    expect(filterValue('a"b\\c')).toBe('"a\\"b\\\\c"')
    const query = userNameQuery('o"k\\x y&z')
    expect(query.startsWith('filter=')).toBe(true)
    expect(decodeURIComponent(query.slice('filter='.length))).toBe('userName eq "o\\"k\\\\x y&z"')
    expect(query).not.toMatch(/[ "\\]/)
    expect(new URLSearchParams(query).get('filter')).toBe('userName eq "o\\"k\\\\x y&z"')
  })
})

describe('the patches', () => {
  it('replaces what the app may see, removes what was withdrawn, leaves the rest alone', () => {
    const patch = userPatch({ ...base, email: 'ann@corp.test', mobile: '', enable: false })
    expect(patch.schemas).toEqual([SCIM.patchOp])
    expect(patch.Operations).toEqual([
      { op: 'replace', path: 'name.formatted', value: 'Ann Lee' },
      { op: 'replace', path: 'displayName', value: 'Ann Lee' },
      { op: 'replace', path: 'emails', value: [{ value: 'ann@corp.test', type: 'work', primary: true }] },
      { op: 'remove', path: 'phoneNumbers' },
      { op: 'replace', path: `${SCIM.enterprise}:department`, value: 'd-1' },
      { op: 'replace', path: 'active', value: false },
    ])
  })

  it('deactivates, and a resource goes back without id and meta', () => {
    expect(deactivatePatch()).toEqual({
      schemas: [SCIM.patchOp],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    })
    expect(
      writable({ id: 'x', meta: { version: 'W/"1"' }, userName: 'u', active: true }, { active: false }),
    ).toEqual({ userName: 'u', active: false })
    // a User's groups are the server's to keep (read-only): never PUT back
    expect(writable({ id: 'x', userName: 'u', groups: [{ value: 'g' }] }, {})).toEqual({ userName: 'u' })
    // a Group's members are its own: a PUT of it (a rename without PATCH) keeps them
    expect(
      writable({ id: 'g', displayName: 'Sales', members: [{ value: 'u1' }] }, { displayName: 'Sales 2' }),
    ).toEqual({ displayName: 'Sales 2', members: [{ value: 'u1' }] })
  })
})

describe('a department as a SCIM Group', () => {
  it('is its name and its id, nothing else: no members, no place in the tree', () => {
    expect(scimGroup({ deptId: 'd7k2m9p4q1', name: 'Sales & Support' })).toEqual({
      schemas: [SCIM.group],
      displayName: 'Sales & Support',
      externalId: 'd7k2m9p4q1',
    })
  })

  it('is looked up by externalId, escaped as the userName look-up is, without its members', () => {
    const query = new URLSearchParams(externalIdQuery('d"1\\x'))
    expect(query.get('filter')).toBe('externalId eq "d\\"1\\\\x"')
    expect(query.get('excludedAttributes')).toBe('members')
    expect(externalIdQuery('d 1')).not.toMatch(/[ "]/)
  })

  it('gains members in one add and loses each by a value filter; renamed by a replace', () => {
    expect(membersPatch(['u1', 'u2'], ['u"3'])).toEqual({
      schemas: [SCIM.patchOp],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] },
        { op: 'remove', path: 'members[value eq "u\\"3"]' },
      ],
    })
    expect(membersPatch([], ['u1']).Operations).toEqual([{ op: 'remove', path: 'members[value eq "u1"]' }])
    expect(renamePatch('Ops').Operations).toEqual([{ op: 'replace', path: 'displayName', value: 'Ops' }])
  })

  it("reads a User's direct Groups, and tells a User without groups from one in none", () => {
    expect(
      groupIdsOf({
        id: 'u1',
        groups: [
          { value: 'g1', display: 'Sales' },
          { value: 'g2', type: 'indirect' },
          { value: 'g3', type: 'direct' },
        ],
      }),
    ).toEqual(['g1', 'g3'])
    expect(groupIdsOf({ id: 'u1', groups: [] })).toEqual([])
    expect(groupIdsOf({ id: 'u1' })).toBeUndefined()
    expect(groupIdsOf(undefined)).toBeUndefined()
  })
})

describe('PATCH ops, spelt for the server', () => {
  it('stay lowercase by default, and are capitalised for servers that want Add/Replace/Remove', () => {
    const patch = membersPatch(['u1'], ['u2'])
    expect(withOpsCase(patch, 'lower')).toBe(patch)
    expect((withOpsCase(patch, 'capitalized').Operations as { op: string }[]).map((o) => o.op)).toEqual([
      'Add',
      'Remove',
    ])
    expect((withOpsCase(deactivatePatch(), 'capitalized').Operations as { op: string }[])[0]?.op).toBe(
      'Replace',
    )
    // the rest of each operation is as it was
    expect(withOpsCase(renamePatch('Ops'), 'capitalized')).toEqual({
      schemas: [SCIM.patchOp],
      Operations: [{ op: 'Replace', path: 'displayName', value: 'Ops' }],
    })
  })
})

describe('Retry-After', () => {
  const now = Date.parse('2025-03-01T10:00:00Z')
  it('reads seconds or an HTTP date; a date past is now; anything else is no answer', () => {
    expect(retryAfterMs('3', now)).toBe(3000)
    expect(retryAfterMs(' 120 ', now)).toBe(120_000)
    expect(retryAfterMs('Sat, 01 Mar 2025 10:05:00 GMT', now)).toBe(300_000)
    expect(retryAfterMs('Sat, 01 Mar 2025 09:00:00 GMT', now)).toBe(0)
    for (const bad of [undefined, null, '', '-5', '1.5', 'soon', '2025-03-01'])
      expect(retryAfterMs(bad, now)).toBeUndefined()
  })

  it("puts the pump's next attempt no earlier than the server asked, and never more than an hour off", () => {
    expect(retryWaitMs(1)).toBe(retryDelayMs(1))
    expect(retryWaitMs(1, 5000)).toBe(60_000)
    expect(retryWaitMs(1, 600_000)).toBe(600_000)
    expect(retryWaitMs(3, 120_000)).toBe(240_000)
    expect(retryWaitMs(1, 86_400_000)).toBe(MAX_RETRY_AFTER_MS)
  })
})

describe("a server's errors", () => {
  it('reads the SCIM Error (status is a string), or makes do', () => {
    expect(
      scimProblem(409, { schemas: [SCIM.error], status: '409', scimType: 'uniqueness', detail: 'taken' }),
    ).toEqual({ status: '409', scimType: 'uniqueness', detail: 'taken' })
    expect(scimProblem(503, undefined)).toEqual({ status: '503' })
    expect(scimProblem(400, { status: 400 })).toEqual({ status: '400' })
  })

  it('keeps no personal data in what the admin sees, and keeps it short', () => {
    const detail = 'User Ann Lee (ann@corp.test, +86 138 0000 0000) already exists'
    expect(safeDetail(detail, ['Ann Lee'])).toBe('User … (…, …) already exists')
    expect(safeDetail('x'.repeat(500))?.length).toBe(160)
    expect(safeDetail(undefined)).toBeUndefined()
  })
})
