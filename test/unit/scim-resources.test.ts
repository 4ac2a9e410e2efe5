import type { KitUser } from '../../lib/provisioning/kit-bodies.js'
import {
  deactivatePatch,
  filterValue,
  SCIM,
  safeDetail,
  scimProblem,
  scimUser,
  userNameQuery,
  userPatch,
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
