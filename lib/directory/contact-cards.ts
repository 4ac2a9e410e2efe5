import { Mobile } from '../core/http/address-schemas.js'
import type { TenantScope } from '../core/tenancy.js'
import type { ContactFields } from '../tenants/contact-fields.js'
import { departmentTree } from './departments.js'
import { type ListMembersInput, listMembers } from './members.js'
import type { Member } from './schemas.js'

/**
 * Contacts, for every member of a tenant (not only admins): the department tree, the public
 * service numbers, and member cards with only what the tenant lets members see of each other
 * (mobile masked and employee number hidden unless the admin says otherwise).
 */

/** `+8613800000001` → `+86•••••••0001`; `pat@acme.test` → `p••@acme.test`. */
const masked = (field: 'mobile' | 'email' | 'employeeNo', value: string) => {
  if (field === 'email') {
    const [local = '', domain = ''] = value.split('@')
    return `${local.slice(0, 1)}••@${domain}`
  }
  const keep = field === 'mobile' ? 4 : 2
  const head = field === 'mobile' && value.startsWith('+') ? value.slice(0, 3) : ''
  return `${head}${'•'.repeat(Math.max(3, value.length - head.length - keep))}${value.slice(-keep)}`
}

const shown = (fields: ContactFields, field: keyof ContactFields, value: string | undefined) =>
  value === undefined || fields[field] === 'hidden'
    ? undefined
    : fields[field] === 'masked'
      ? masked(field, value)
      : value

export const cardOf = (fields: ContactFields, m: Member) => ({
  memberId: m.memberId,
  name: m.name,
  departmentIds: m.departmentIds,
  mobile: shown(fields, 'mobile', m.mobile),
  email: shown(fields, 'email', m.email),
  employeeNo: shown(fields, 'employeeNo', m.employeeNo),
})

/**
 * A page of the tenant's active members as cards. A search by mobile or e-mail address finds
 * someone only where that field is shown: a member cannot confirm a hidden number by searching it.
 */
export const contactCards = async (
  scope: TenantScope,
  fields: ContactFields,
  input: Omit<ListMembersInput, 'status' | 'groupId'>,
) => {
  const q = input.q
  const byField =
    q === undefined
      ? undefined
      : q.includes('@')
        ? 'email'
        : Mobile.safeParse(q).success
          ? 'mobile'
          : undefined
  if (byField && fields[byField] !== 'shown') return { items: [] }
  const page = await listMembers(scope, { ...input, status: 'active' })
  return { items: page.items.map((m) => cardOf(fields, m)), nextCursor: page.nextCursor }
}

/** What contacts opens with: the department tree and the service numbers. */
export const contactsHome = async (scope: TenantScope, servicePhones: { name: string; phone: string }[]) => ({
  departments: await departmentTree(scope),
  servicePhones,
})
