import * as z from 'zod'
import { checkedTenantOf } from '../../../lib/auth/session-check.js'
import type { TenantCaller } from '../../../lib/core/auth/caller.js'
import { tenantAccess } from '../../../lib/core/http/access.js'
import { route } from '../../../lib/core/http/route.js'
import { contactCards, contactsHome } from '../../../lib/directory/contact-cards.js'
import { ContactCardPage, ContactsQuery, DepartmentSchema } from '../../../lib/directory/schemas.js'
import { ContactFieldsSchema, ServicePhoneSchema } from '../../../lib/tenants/contact-fields.js'

const tag = 'Contacts'
const member = tenantAccess()

/** The tenant's contact settings, as the session check read its tenant (no request more). */
const settingsOf = (caller: TenantCaller) => {
  const t = checkedTenantOf(caller)
  return { fields: ContactFieldsSchema.parse(t?.contactFields ?? {}), servicePhones: t?.servicePhones ?? [] }
}

export const contactRoutes = [
  route({
    operationId: 'contacts',
    method: 'GET',
    path: '/v1/contacts',
    summary: "Contacts, for every member: the department tree and the workbench's public service numbers",
    tag,
    access: member,
    response: z
      .object({ departments: z.array(DepartmentSchema), servicePhones: z.array(ServicePhoneSchema) })
      .meta({ id: 'Contacts' }),
    handle: async (req) => contactsHome(req.tenant, settingsOf(req.caller).servicePhones),
  }),
  route({
    operationId: 'contactCards',
    method: 'GET',
    path: '/v1/contacts/members',
    summary:
      "Colleagues' cards, for every member: by department or an exact name, mobile or e-mail, with only the fields the workbench lets members see",
    tag,
    access: member,
    query: ContactsQuery,
    response: ContactCardPage,
    handle: async (req) => contactCards(req.tenant, settingsOf(req.caller).fields, req.query),
  }),
]
