import { executeTransactWrite } from 'dynamodb-toolbox'
import { PERMISSIONS, type Permission } from '../lib/core/auth/permissions.js'
import { normaliseIdentifier, platformPhoneRegion } from '../lib/core/identifiers.js'
import { systemContext, type TenantContext, type TenantScope } from '../lib/core/tenancy.js'
import { addGroupMembers, createGroup, listGroups } from '../lib/directory/groups.js'
import { importMembers } from '../lib/directory/member-import.js'
import { getMember } from '../lib/directory/members.js'
import { assignRoles, createRole, listRoles } from '../lib/directory/roles.js'
import { prepareAccount } from '../lib/identity/accounts.js'
import { DEMO_LOGINS } from './local/env.js'

interface Staff {
  name: string
  mobile?: string
  email?: string
  /** paths, `;` between several: created on the way, as an import creates them */
  departments: string
}

/** The demo tenant's staff: invented people, reserved numbers and the reserved example.com domain. */
const STAFF: Staff[] = [
  {
    name: 'Zhao Min',
    mobile: '+86 138 0000 0101',
    email: 'zhao.min@example.com',
    departments: 'Head office',
  },
  { name: 'Qian Lei', mobile: '+86 138 0000 0102', departments: 'Head office/Finance' },
  { name: 'Sun Yue', email: 'sun.yue@example.com', departments: 'Head office/Finance' },
  {
    name: 'Li Jing',
    mobile: '+86 138 0000 0104',
    email: 'li.jing@example.com',
    departments: 'Head office/Human resources',
  },
  { name: 'Zhou Hao', mobile: '+86 138 0000 0105', email: 'zhou.hao@example.com', departments: 'Plant 1' },
  { name: 'Wu Tao', mobile: '+86 138 0000 0106', departments: 'Plant 1/Assembly' },
  { name: 'Zheng Lin', mobile: '+86 138 0000 0107', departments: 'Plant 1/Assembly/Line A' },
  { name: 'Ma Jun', mobile: '+86 138 0000 0108', departments: 'Plant 1/Assembly/Line B' },
  {
    name: 'Feng Qiang',
    mobile: '+86 138 0000 0109',
    email: 'feng.qiang@example.com',
    departments: 'Plant 1/Quality',
  },
  {
    name: 'Chen Xiaoyu',
    mobile: '+86 138 0000 0110',
    email: 'chen.xiaoyu@example.com',
    departments: 'Plant 1/Quality;Head office',
  },
]

/** The business admin whose login the banner prints: their password is known, not one-time. */
const BUSINESS_ADMIN = DEMO_LOGINS.demoMemberName
const ROLE = {
  name: 'HR administrator',
  permissions: ['members.read', 'members.write', 'departments.write', 'groups.write', 'invitations.write'],
} satisfies { name: string; permissions: Permission[] }
const GROUP = { name: 'Safety committee', members: ['Zhou Hao', 'Wu Tao', 'Feng Qiang', 'Li Jing'] }

export interface DemoMemberLogin {
  memberId: string
  name: string
  identifier: string
  password: string
  role: string
}

// The cells hold no comma, quote or line break, so joining them is a valid CSV.
const staffSheet = () =>
  [
    'name,mobile,email,employeeNo,departments',
    ...STAFF.map((s, i) =>
      [s.name, s.mobile, s.email, `DM-${1001 + i}`, s.departments].map((c) => c ?? '').join(','),
    ),
  ].join('\n')

/**
 * Departments, members, a user group and a custom role held by one business admin, through the
 * directory's own use cases. Repeatable, and a second run writes nothing: the import leaves
 * members who are there unchanged, and the group and the role are found by name first.
 */
export const seedDemoOrganisation = async (
  tenant: TenantScope & { code: string },
  password: string,
): Promise<DemoMemberLogin> => {
  // Granting a role needs an actor who holds its permissions: the system stands in for the
  // tenant administrator here, who holds the whole catalog.
  const system = systemContext(tenant, 'seed')
  const ctx: TenantContext = { ...system, actor: { ...system.actor, permissions: PERMISSIONS } }

  const index = (name: string) => {
    const at = STAFF.findIndex((s) => s.name === name)
    if (at < 0) throw new Error(`${name} is not on the demo staff`)
    return at
  }
  const admin = STAFF[index(BUSINESS_ADMIN)] as Staff
  // Their account exists first, with a known password, so the import links it; the login is the
  // mobile number if there is one, as for any member.
  const { value: identifier } = normaliseIdentifier(
    (admin.mobile ?? admin.email) as string,
    platformPhoneRegion(),
  )
  const account = await prepareAccount(identifier, { password })
  if (account.writes.length > 0) await executeTransactWrite(...account.writes)

  // A dry run first: when everyone is there already, applying would only add an audit entry.
  const sheet = { format: 'csv' as const, content: staffSheet() }
  const planned = await importMembers(ctx, { ...sheet, dryRun: true })
  const report =
    planned.summary.wouldAdd > 0 ? await importMembers(ctx, { ...sheet, dryRun: false }) : planned
  const refused = report.rows.filter((r) => r.outcome !== 'added' && r.outcome !== 'unchanged')
  if (refused.length > 0) {
    throw new Error(`demo staff refused: ${refused.map((r) => `row ${r.row}: ${r.reason}`).join('; ')}`)
  }
  // the report's rows follow the sheet's, which follow STAFF
  const idOf = (name: string) => report.rows[index(name)]?.memberId as string

  const groups = await listGroups(ctx, 100)
  const group = groups.items.find((g) => g.name === GROUP.name) ?? (await createGroup(ctx, GROUP.name))
  await addGroupMembers(ctx, group.groupId, GROUP.members.map(idOf))

  const roles = await listRoles(ctx, 100)
  const role = roles.items.find((r) => r.name === ROLE.name) ?? (await createRole(ctx, ROLE))
  const holder = idOf(BUSINESS_ADMIN)
  if (!(await getMember(ctx, holder)).roles.includes(role.roleId))
    await assignRoles(ctx, holder, [role.roleId])

  return { memberId: holder, name: admin.name, identifier, password, role: ROLE.name }
}
