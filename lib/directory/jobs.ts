import type { TenantJobs } from '../core/tenant-hooks.js'
import { purgeInvitationCodes } from './invitations.js'

/** The directory at a tenant's release: the invitation codes (guards outside the partition) go. */
export const directoryJobs: TenantJobs = { name: 'directory', purge: purgeInvitationCodes }
