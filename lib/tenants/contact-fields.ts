import * as z from 'zod'

/*
 * How members' contact fields show to one another: apart from the tenants' API schemas, so the
 * functions that read a tenant's view (content's audiences, the home page) do not build those.
 */

/** How a member's contact field shows to other members: as it is, partly hidden, or not at all. */
export const FieldVisibility = z.enum(['shown', 'masked', 'hidden'])

export const ContactFieldsSchema = z
  .object({
    mobile: FieldVisibility.default('masked'),
    email: FieldVisibility.default('shown'),
    employeeNo: FieldVisibility.default('hidden'),
  })
  .strict()
  .meta({ id: 'ContactFields' })
export type ContactFields = z.output<typeof ContactFieldsSchema>
