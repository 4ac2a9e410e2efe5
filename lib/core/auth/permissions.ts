/**
 * The catalog of admin permissions. A tenant administrator holds all of them; business
 * administrators hold the subset their roles carry. Routes name the one they need.
 */
export const PERMISSIONS = [
  'tenant.read',
  'tenant.settings',
  'members.read',
  'members.write',
  'members.export',
  'departments.write',
  'groups.write',
  'roles.write',
  'apps.write',
  'grants.write',
  'portal.write',
  'content.write',
  'invitations.write',
  'audit.read',
  'drive.write',
  'approvals.write',
] as const

export type Permission = (typeof PERMISSIONS)[number]

export const TENANT_ADMIN_ROLE = 'tenant_admin'
