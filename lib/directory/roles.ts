import {
  $add,
  $set,
  DeleteTransaction,
  Entity,
  executeTransactWrite,
  GetItemCommand,
  item,
  list,
  number,
  PutTransaction,
  QueryCommand,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import type { Principal } from '../core/auth/principal.js'
import { batchGet } from '../core/db/batch-get.js'
import {
  failedConditions,
  listEquals,
  retryOnConflict,
  StaleRead,
  type WriteItem,
} from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { getMembership, updateMembership } from '../identity/accounts.js'
import { auditWrite } from './audit.js'

/** A custom role: a name, a subset of the admin permission catalog, and how many members hold it. */
const RoleEntity = new Entity({
  name: 'Role',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    roleId: string().key(),
    name: string(),
    permissions: list(string()),
    holderCount: number().default(0),
  }),
  computeKey: ({ tenantId, roleId }: { tenantId: string; roleId: string }) => ({
    PK: `T#${tenantId}`,
    SK: `ROLE#${roleId}`,
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

/**
 * What a member's roles allow, read when a token is issued (login, refresh, switch): a role's
 * new permissions reach its holders with their next token, with nothing to copy or keep in step.
 */
export const rolePermissions = async (tenantId: string, roleIds: string[]) => {
  if (roleIds.length === 0) return []
  const roles = await batchGet(
    RoleEntity,
    roleIds.map((roleId) => ({ tenantId, roleId })),
  )
  return [...new Set(roles.flatMap((r) => r?.permissions ?? []))]
}

/**
 * Writes that count a member in (or out of) roles. Taking a role needs the role to exist, so a
 * role deleted meanwhile cannot be held; a role is deleted only when nobody holds it.
 */
export const holdRolesWrites = (tenantId: string, added: string[], dropped: string[]): WriteItem[] => [
  ...added.map((roleId) =>
    RoleEntity.build(UpdateTransaction)
      .item({ tenantId, roleId, holderCount: $add(1) })
      .options({ condition: { attr: 'roleId', exists: true } }),
  ),
  ...dropped.map((roleId) =>
    RoleEntity.build(UpdateTransaction)
      .item({ tenantId, roleId, holderCount: $add(-1) })
      .options({ condition: { attr: 'holderCount', gt: 0 } }),
  ),
]

export const createRole = async (
  tenantId: string,
  actor: Principal,
  input: { name: string; permissions: string[] },
) => {
  assertGrantable(actor, input.permissions)
  const role = {
    tenantId,
    roleId: newId(),
    name: input.name,
    permissions: [...new Set(input.permissions)],
    holderCount: 0,
  }
  await executeTransactWrite(
    RoleEntity.build(PutTransaction).item(role),
    auditWrite(tenantId, { actorId: actor.accountId, action: 'role.created', targetId: role.roleId }),
  )
  return { roleId: role.roleId, name: role.name, permissions: role.permissions }
}

export const updateRole = async (
  tenantId: string,
  actor: Principal,
  roleId: string,
  input: { name?: string; permissions?: string[] },
) => {
  const role = await getRole(tenantId, roleId)
  if (input.permissions) assertGrantable(actor, [...input.permissions, ...role.permissions])
  const set = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.permissions ? { permissions: $set([...new Set(input.permissions)]) } : {}),
  }
  try {
    await executeTransactWrite(
      RoleEntity.build(UpdateTransaction)
        .item({ tenantId, roleId, ...set })
        // what the grant check saw is what is changed (gone meanwhile: the condition fails too)
        .options({ condition: listEquals('permissions', role.permissions) }),
      auditWrite(tenantId, { actorId: actor.accountId, action: 'role.updated', targetId: roleId }),
    )
  } catch (err) {
    if (!failedConditions(err).includes(0)) throw err
    throw new AppError('CONFLICT', 'the role changed meanwhile; retry')
  }
  return {
    roleId,
    name: input.name ?? role.name,
    permissions: input.permissions ? [...new Set(input.permissions)] : role.permissions,
  }
}

export const deleteRole = async (tenantId: string, actor: Principal, roleId: string) => {
  const role = await getRole(tenantId, roleId)
  assertGrantable(actor, role.permissions)
  try {
    await executeTransactWrite(
      RoleEntity.build(DeleteTransaction)
        .key({ tenantId, roleId })
        .options({ condition: { attr: 'holderCount', eq: 0 } }),
      auditWrite(tenantId, { actorId: actor.accountId, action: 'role.deleted', targetId: roleId }),
    )
  } catch (err) {
    if (!failedConditions(err).includes(0)) throw err
    throw new AppError('INVALID_STATE', 'the role is still held by members: take it from them first')
  }
}

/**
 * Gives a member exactly these roles (a business admin). The member's permissions are the union
 * of the roles'; the actor must hold all of them, and the tenant administrator is out of reach.
 */
export const assignRoles = (tenantId: string, actor: Principal, memberId: string, roleIds: string[]) =>
  retryOnConflict(async () => {
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
    const permissionsOf = (ids: string[]) => [
      ...new Set(roles.filter((r) => ids.includes(r.roleId)).flatMap((r) => r.permissions)),
    ]
    const permissions = permissionsOf(wanted)
    // Taking roles away needs the authority over them too.
    assertGrantable(actor, [...permissions, ...permissionsOf(m.roles)])
    const added = wanted.filter((id) => !m.roles.includes(id))
    const dropped = m.roles.filter((id) => !wanted.includes(id))
    try {
      await executeTransactWrite(
        updateMembership(
          { realm: 'tenant', ctx: tenantId, accountId: memberId },
          { roles: wanted },
          { roles: m.roles },
        ),
        ...holdRolesWrites(tenantId, added, dropped),
        auditWrite(tenantId, {
          actorId: actor.accountId,
          action: 'member.roles-set',
          targetId: memberId,
          detail: wanted.join(','),
        }),
      )
    } catch (err) {
      const failed = failedConditions(err)
      // The member changed (or went) meanwhile: read again.
      if (failed.includes(0)) throw new StaleRead('membership changed')
      if (failed.length > 0)
        throw new AppError('VALIDATION_FAILED', 'unknown role', [
          { path: 'body.roleIds', message: 'unknown role' },
        ])
      throw err
    }
    return { memberId, roles: wanted, permissions }
  })
