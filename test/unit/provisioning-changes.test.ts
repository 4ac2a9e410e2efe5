import { concernsProvisioning } from '../../lib/provisioning/changes.js'

const memberChange = (before: Record<string, unknown>, after: Record<string, unknown>) => ({
  event: 'MODIFY' as const,
  pk: 'T#t1',
  sk: 'MEMBER#m1',
  before,
  after,
  sequenceNumber: '1',
})

describe('which membership changes a provider hears of', () => {
  const member = { accountId: 'm1', status: 'active', departmentIds: ['d1'], apps: { a1: true } }

  it('leaves out a change of the app ids the membership keeps: the entitlement itself reaches the provider', () => {
    expect(concernsProvisioning(memberChange(member, { ...member, apps: { a1: true, a2: true } }))).toBe(
      false,
    )
    expect(concernsProvisioning(memberChange(member, { ...member, apps: {} }))).toBe(false)
  })

  it("keeps every other change of a member's fields, whatever order the image lists them in", () => {
    const { apps, ...rest } = member
    expect(concernsProvisioning(memberChange(member, { apps, ...rest, status: 'disabled' }))).toBe(true)
    expect(concernsProvisioning(memberChange(member, { ...member, employeeNo: 'E7', apps: {} }))).toBe(true)
  })
})
