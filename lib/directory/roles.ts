import {
  DeleteTransaction,
  Entity,
  executeTransactWrite,
  GetItemCommand,
  item,
  list,
  PutTransaction,
  QueryCommand,
  string,
} from 'dynamodb-toolbox'
import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import type { Principal } from '../core/auth/principal.js'
import { failedConditions } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { getMembership, updateMembership } from '../identity/accounts.js'
import { auditWrite } from './audit.js'

/** A custom role: a name and a subset of the admin permission catalog. */
const RoleEntity = new Entity({
  name: 'Role',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    roleId: string().key(),
    name: string(),
    permissions: list(string()),
  }),
  computeKey: ({ tenantId, roleId }: { tenantId: string; roleId: string }) => ({
    PK: `T#${tenantId}`,
    SK: `ROLE#${roleId}`,
  }),
})

/** Who holds a role, so a change to the role reaches every holder's permissions. */
const RoleHolderEntity = new Entity({
  name: 'RoleHolder',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), roleId: string().key(), memberId: string().key() }),
  computeKey: ({ tenantId, roleId, memberId }: { tenantId: string; roleId: string; memberId: string }) => ({
    PK: `T#${tenantId}`,
    SK: `ROLEHOLDER#${roleId}#${memberId}`,
  }),
})

type Role = { roleId: string; name: string; permissions: string[] }

/** A business admin hands on only what they hold; the tenant admin holds everything. */
const assertGrantable = (actor: Principal, permissions: string[]) => {
  const missing = permissions.filter((p) => !actor.permissions.includes(p))
  if (missing.length > 0)
    throw new AppError('FORBIDDEN', `you cannot grant permissions you do not hold: ${missing.join(', ')}`)
}

export const listRoles = async (tenantId: string): Promise<Role[]> => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(RoleEntity)
    .query({ partition: `T#${tenantId}`, range: { beginsWith: 'ROLE#' } })
    .send()
  return Items.map(({ roleId, name, permissions }) => ({ roleId, name, permissions }))
}

const getRole = async (tenantId: string, roleId: string) => {
  const { Item } = await RoleEntity.build(GetItemCommand)
    .key({ tenantId, roleId })
    .options({ consistent: true })
    .send()
  if (!Item) throw notFound('role')
  return Item
}

export const createRole = async (
  tenantId: string,
  actor: Principal,
  input: { name: string; permissions: string[] },
) => {
  assertGrantable(actor, input.permissions)
  const role = { tenantId, roleId: newId(), name: input.name, permissions: [...new Set(input.permissions)] }
  await executeTransactWrite(
    RoleEntity.build(PutTransaction).item(role),
    auditWrite(tenantId, { actorId: actor.accountId, action: 'role.created', targetId: role.roleId }),
  )
  return { roleId: role.roleId, name: role.name, permissions: role.permissions }
}

const holders = async (tenantId: string, roleId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(RoleHolderEntity)
    .query({ partition: `T#${tenantId}`, range: { beginsWith: `ROLEHOLDER#${roleId}#` } })
    .send()
  return Items.map((h) => h.memberId)
}

/** The permissions a member's roles add up to. */
const permissionsOf = (roleIds: string[], roles: Role[]) => [
  ...new Set(roles.filter((r) => roleIds.includes(r.roleId)).flatMap((r) => r.permissions)),
]

const refreshHolder = async (tenantId: string, memberId: string, roles: Role[]) => {
  const m = await getMembership('tenant', tenantId, memberId)
  if (!m || m.roles.includes(TENANT_ADMIN_ROLE)) return
  await executeTransactWrite(
    updateMembership(
      { realm: 'tenant', ctx: tenantId, accountId: memberId },
      { permissions: permissionsOf(m.roles, roles) },
    ),
  )
}

export const updateRole = async (
  tenantId: string,
  actor: Principal,
  roleId: string,
  input: { name?: string; permissions?: string[] },
) => {
  const role = await getRole(tenantId, roleId)
  if (input.permissions) assertGrantable(actor, [...input.permissions, ...role.permissions])
  const next = {
    ...role,
    ...input,
    permissions: input.permissions ? [...new Set(input.permissions)] : role.permissions,
  }
  await executeTransactWrite(
    RoleEntity.build(PutTransaction).item(next),
    auditWrite(tenantId, { actorId: actor.accountId, action: 'role.updated', targetId: roleId }),
  )
  if (input.permissions) {
    const roles = await listRoles(tenantId)
    for (const memberId of await holders(tenantId, roleId)) await refreshHolder(tenantId, memberId, roles)
  }
  return { roleId, name: next.name, permissions: next.permissions }
}

export const deleteRole = async (tenantId: string, actor: Principal, roleId: string) => {
  const role = await getRole(tenantId, roleId)
  assertGrantable(actor, role.permissions)
  if ((await holders(tenantId, roleId)).length > 0) {
    throw new AppError('INVALID_STATE', 'the role is still held by members: take it from them first')
  }
  await executeTransactWrite(
    RoleEntity.build(DeleteTransaction).key({ tenantId, roleId }),
    auditWrite(tenantId, { actorId: actor.accountId, action: 'role.deleted', targetId: roleId }),
  )
}

/**
 * Gives a member exactly these roles (a business admin). The member's permissions are the union
 * of the roles'; the actor must hold all of them, and the tenant administrator is out of reach.
 */
export const assignRoles = async (
  tenantId: string,
  actor: Principal,
  memberId: string,
  roleIds: string[],
) => {
  const [m, roles] = await Promise.all([getMembership('tenant', tenantId, memberId), listRoles(tenantId)])
  if (!m) throw notFound('member')
  if (m.roles.includes(TENANT_ADMIN_ROLE))
    throw new AppError('FORBIDDEN', 'the tenant administrator holds every permission already')
  const unknown = roleIds.filter((id) => !roles.some((r) => r.roleId === id))
  if (unknown.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      'unknown role',
      unknown.map(() => ({ path: 'body.roleIds', message: 'unknown role' })),
    )
  }
  const wanted = [...new Set(roleIds)]
  const permissions = permissionsOf(wanted, roles)
  // Taking roles away needs the authority over them too.
  assertGrantable(actor, [...permissions, ...permissionsOf(m.roles, roles)])
  const added = wanted.filter((id) => !m.roles.includes(id))
  const removed = m.roles.filter((id) => !wanted.includes(id))
  try {
    await executeTransactWrite(
      updateMembership(
        { realm: 'tenant', ctx: tenantId, accountId: memberId },
        { roles: wanted, permissions },
      ),
      ...added.map((roleId) => RoleHolderEntity.build(PutTransaction).item({ tenantId, roleId, memberId })),
      ...removed.map((roleId) =>
        RoleHolderEntity.build(DeleteTransaction).key({ tenantId, roleId, memberId }),
      ),
      auditWrite(tenantId, {
        actorId: actor.accountId,
        action: 'member.roles-set',
        targetId: memberId,
        detail: wanted.join(','),
      }),
    )
  } catch (err) {
    if (failedConditions(err).includes(0)) throw notFound('member')
    throw err
  }
  return { memberId, roles: wanted, permissions }
}
