import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import type { TenantHooks } from '../core/tenant-hooks.js'
import { putMembership } from '../identity/accounts.js'
import { contactOf, memberRecord } from './member-record.js'

/** The directory in a tenant's opening: the administrator becomes the first member (their login is their directory contact). */
export const directoryHooks: TenantHooks = {
  name: 'directory',
  onOpen: (t) => {
    const admin = memberRecord(
      t.scope,
      t.cipher,
      t.admin.accountId,
      { name: t.admin.name, ...contactOf(t.admin.identifier) },
      t.phoneRegion,
    )
    return [
      ...putMembership({
        realm: 'tenant',
        ctx: t.scope.tenantId,
        ctxCode: t.code,
        accountId: t.admin.accountId,
        ...admin.fields,
        createdAt: t.createdAt,
        roles: [TENANT_ADMIN_ROLE],
      }),
      ...admin.guards,
    ]
  },
}
