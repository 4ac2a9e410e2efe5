import * as z from 'zod'

/*
 * How a tenant's contacts show: members' contact fields to one another, and the enterprise's
 * service numbers. Apart from the tenants' API schemas, so the functions that read a tenant's view
 * (content's audiences, the home page) or its contacts (the directory) do not build those.
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

export const ServicePhoneSchema = z
  .object({ name: z.string().trim().min(1).max(100), phone: z.string().trim().min(3).max(32) })
  .strict()
  .meta({ id: 'ServicePhone' })
