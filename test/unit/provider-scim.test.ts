import { membersPatch, renamePatch, SCIM, withOpsCase } from '../../lib/provisioning/scim-resources.js'
import {
  emptyScimStore,
  handleScim,
  type ScimOpsCase,
  type ScimRequest,
} from '../../scripts/local/provider/scim.js'

// biome-ignore lint/suspicious/noExplicitAny: the service's JSON, read field by field
type Json = any

const service = (opsCase: ScimOpsCase = 'any') => {
  const store = emptyScimStore()
  const ask = (method: string, path: string, body?: unknown, extra: Partial<ScimRequest> = {}) => {
    const [p, q] = path.split('?')
    return handleScim(
      store,
      { method, path: p ?? '', query: new URLSearchParams(q), body, ...extra },
      { opsCase },
    )
  }
  const user = (userName: string): Json =>
    ask('POST', '/Users', { schemas: [SCIM.user], userName, displayName: userName, active: true }).body
  const group = (displayName: string, externalId: string): Json =>
    ask('POST', '/Groups', { schemas: [SCIM.group], displayName, externalId }).body
  return { store, ask, user, group }
}

const memberIds = (g: Json) => (g.members ?? []).map((m: Json) => m.value)

describe("the stand-in provider's SCIM service", () => {
  it('keeps Groups: found by externalId (exactly), members added and removed by PATCH, shown on the Users', () => {
    const { store, ask, user, group } = service()
    const ann = user('ann')
    const bob = user('bob')
    const sales = group('Sales', 'd-sales')
    expect(sales).toMatchObject({
      displayName: 'Sales',
      externalId: 'd-sales',
      meta: { resourceType: 'Group' },
    })

    const found = ask(
      'GET',
      `/Groups?filter=${encodeURIComponent('externalId eq "d-sales"')}&excludedAttributes=members`,
    )
    expect(found.body.Resources.map((g: Json) => g.id)).toEqual([sales.id])
    expect(
      ask('GET', `/Groups?filter=${encodeURIComponent('externalId eq "D-SALES"')}`).body.totalResults,
    ).toBe(0)

    const added = ask('PATCH', `/Groups/${sales.id}`, membersPatch([ann.id, bob.id], []))
    expect(added.status).toBe(204)
    expect(added.headers?.etag).toMatch(/^W\/"/)
    // adding who is there changes nothing
    ask('PATCH', `/Groups/${sales.id}`, membersPatch([ann.id], []))
    expect(memberIds(store.groups.get(sales.id))).toEqual([ann.id, bob.id])
    // a look-up leaves the members out when asked to; a read by id has them
    expect(
      ask('GET', `/Groups?filter=${encodeURIComponent('externalId eq "d-sales"')}&excludedAttributes=members`)
        .body.Resources[0].members,
    ).toBeUndefined()
    expect(memberIds(ask('GET', `/Groups/${sales.id}`).body)).toEqual([ann.id, bob.id])

    // the Users say which Groups they are in (and leave an empty list out)
    expect(ask('GET', `/Users/${ann.id}`).body.groups).toEqual([
      { value: sales.id, display: 'Sales', $ref: `../Groups/${sales.id}`, type: 'direct' },
    ])
    const listed = ask('GET', `/Users?filter=${encodeURIComponent('userName eq "ANN"')}`)
    expect(listed.body.Resources[0].groups).toHaveLength(1)
    expect(ask('GET', `/Users/${ann.id}?attributes=groups`).body).toEqual({
      id: ann.id,
      schemas: [SCIM.user],
      meta: expect.any(Object),
      groups: [expect.objectContaining({ value: sales.id })],
    })

    ask('PATCH', `/Groups/${sales.id}`, membersPatch([], [ann.id]))
    expect(memberIds(store.groups.get(sales.id))).toEqual([bob.id])
    expect(ask('GET', `/Users/${ann.id}`).body).not.toHaveProperty('groups')
    // as some clients send it: remove with the members as the value
    ask('PATCH', `/Groups/${sales.id}`, {
      schemas: [SCIM.patchOp],
      Operations: [{ op: 'remove', path: 'members', value: [{ value: bob.id }] }],
    })
    expect(memberIds(store.groups.get(sales.id))).toEqual([])
    // a member who is no user of the service is refused
    expect(ask('PATCH', `/Groups/${sales.id}`, membersPatch(['nobody'], [])).body.scimType).toBe(
      'invalidValue',
    )

    // renamed, deleted (then 404)
    expect(ask('PATCH', `/Groups/${sales.id}`, renamePatch('Sales & Marketing')).status).toBe(204)
    expect(store.groups.get(sales.id).displayName).toBe('Sales & Marketing')
    expect(ask('DELETE', `/Groups/${sales.id}`).status).toBe(204)
    expect(ask('DELETE', `/Groups/${sales.id}`).status).toBe(404)
  })

  it('keeps names unique (409 uniqueness), versions every change (412 on a stale If-Match)', () => {
    const { ask, group } = service()
    const a = group('EMEA', 'd-1')
    const taken = ask('POST', '/Groups', { schemas: [SCIM.group], displayName: 'emea', externalId: 'd-2' })
    expect([taken.status, taken.body.scimType]).toEqual([409, 'uniqueness'])
    const b = group('EMEA (d-2)', 'd-2')
    expect(ask('PATCH', `/Groups/${b.id}`, renamePatch('Emea')).status).toBe(409)

    const stale = a.meta.version
    ask('PATCH', `/Groups/${a.id}`, renamePatch('EMEA North'))
    expect(ask('PATCH', `/Groups/${a.id}`, renamePatch('EMEA South'), { ifMatch: stale }).status).toBe(412)
    const fresh = ask('GET', `/Groups/${a.id}`)
    expect(fresh.headers?.etag).toBe(fresh.body.meta.version)
    expect(
      ask('PATCH', `/Groups/${a.id}`, renamePatch('EMEA South'), { ifMatch: fresh.body.meta.version }).status,
    ).toBe(204)
  })

  it("takes capitalised ops only when told to (Microsoft's SDK), and lowercase only when told to", () => {
    const lower = membersPatch([], ['x'])
    const capital = withOpsCase(lower, 'capitalized')
    const strict = service('capitalized')
    const g = strict.group('Ops', 'd-ops')
    expect(strict.ask('PATCH', `/Groups/${g.id}`, lower)).toMatchObject({
      status: 400,
      body: { scimType: 'invalidSyntax' },
    })
    expect(strict.ask('PATCH', `/Groups/${g.id}`, capital).status).toBe(204)
    const rfc = service('lower')
    const h = rfc.group('Ops', 'd-ops')
    expect(rfc.ask('PATCH', `/Groups/${h.id}`, capital).status).toBe(400)
    expect(rfc.ask('PATCH', `/Groups/${h.id}`, lower).status).toBe(204)
    const any = service()
    const i = any.group('Ops', 'd-ops')
    expect(any.ask('PATCH', `/Groups/${i.id}`, capital).status).toBe(204)
  })

  it('patches and replaces Users; a deleted user leaves its Groups', () => {
    const { store, ask, user, group } = service()
    const ann = user('ann')
    const patched = ask('PATCH', `/Users/${ann.id}`, {
      schemas: [SCIM.patchOp],
      Operations: [
        { op: 'replace', path: 'name.formatted', value: 'Ann Lee' },
        { op: 'replace', path: `${SCIM.enterprise}:department`, value: 'd-1' },
        { op: 'replace', path: 'active', value: false },
      ],
    })
    expect(patched.body).toMatchObject({
      name: { formatted: 'Ann Lee' },
      active: false,
      [SCIM.enterprise]: { department: 'd-1' },
    })
    expect(ask('POST', '/Users', { userName: 'ANN' }).status).toBe(409)
    const g = group('Sales', 'd-1')
    ask('PATCH', `/Groups/${g.id}`, membersPatch([ann.id], []))
    // a PUT cannot set groups (read-only)
    ask('PUT', `/Users/${ann.id}`, { userName: 'ann', active: true, groups: [] })
    expect(memberIds(store.groups.get(g.id))).toEqual([ann.id])
    expect(ask('DELETE', `/Users/${ann.id}`).status).toBe(204)
    expect(memberIds(store.groups.get(g.id))).toEqual([])
  })
})
