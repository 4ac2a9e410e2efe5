import type { TenantJobs } from '../core/tenant-hooks.js'

/**
 * Messages in a tenant's life: conversations, members' entries and messages all live in the
 * tenant's partition and its index partitions, so the partition's purge at release takes them and
 * the capability has nothing of its own to purge (connections are realtime's).
 */
export const messagesJobs: TenantJobs = { name: 'messages' }
