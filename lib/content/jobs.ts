import type { TenantJobs } from '../core/tenant-hooks.js'

/**
 * Content in a tenant's life: everything a tenant's content keeps (its news, categories, head,
 * announcements, its members' receipts and unread counts, even of unified announcements) lives in
 * the tenant's partition or its index partitions, so the partition's purge at release takes it all
 * and the capability has nothing of its own to purge. Unified announcements' read counts stay with
 * the platform (numbers, no one's data).
 */
export const contentJobs: TenantJobs = { name: 'content' }
