import {
  $add,
  $set,
  DeleteTransaction,
  Entity,
  GetItemCommand,
  item,
  list,
  number,
  PutTransaction,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import { batchGet } from '../core/db/batch-get.js'
import { listEquals, retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll, queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { getMembership, updateMembership } from '../identity/accounts.js'

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
    PK: tenantPartition(tenantId),
    SK: `ROLE#${roleId}`,
  }),
})

type Role = { roleId: string; name: string; permissions: string[] }
const view = ({ roleId, name, permissions }: Role): Role => ({ roleId, name, permissions })

/** A business admin hands on only what they hold; the tenant admin holds everything. */
const assertGrantable = (ctx: TenantContext, permissions: string[]) => {
  const missing = permissions.filter((p) => !ctx.actor.permissions.includes(p as never))
  if (missing.length > 0)
    throw new AppError('FORBIDDEN', `you cannot grant permissions you do not hold: ${missing.join(', ')}`)
}

export const listRoles = async (scope: TenantScope, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(RoleEntity, {
    partition: tenantPartition(scope.tenantId),
    prefix: 'ROLE#',
    limit,
    cursor,
  })
  return { items: items.map(view), nextCursor }
}

const allRoles = async (scope: TenantScope) =>
  (await queryAll(RoleEntity, { partition: tenantPartition(scope.tenantId), prefix: 'ROLE#' })).map(view)

const loadRole = async ({ tenantId }: TenantScope, roleId: string) => {
  const { Item } = await RoleEntity.build(GetItemCommand)
    .key({ tenantId, roleId })
    .options({ consistent: true })
    .send()
  if (!Item) throw notFound('role')
  return Item
}

export const getRole = async (scope: TenantScope, roleId: string) => view(await loadRole(scope, roleId))

/**
 * What a member's roles allow, read when a token is issued (login, refresh, switch) and when an
 * admin's authority over a member is checked: a role's new permissions reach its holders with their
 * next token, with nothing to copy or keep in step.
 */
export const rolePermissions = async ({ tenantId }: TenantScope, roleIds: string[]) => {
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
export const holdRolesWrites = (
  { tenantId }: TenantScope,
  added: string[],
  dropped: string[],
): WriteItem[] => [
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

export const createRole = async (ctx: TenantContext, input: { name: string; permissions: string[] }) => {
  assertGrantable(ctx, input.permissions)
  const role = {
    tenantId: ctx.tenantId,
    roleId: newId(),
    name: input.name,
    permissions: [...new Set(input.permissions)],
    holderCount: 0,
  }
  await transaction()
    .add('role', RoleEntity.build(PutTransaction).item(role))
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'role.created', targetId: role.roleId }),
    )
    .run()
  return view(role)
}

export const updateRole = async (
  ctx: TenantContext,
  roleId: string,
  input: { name?: string; permissions?: string[] },
) => {
  const role = await loadRole(ctx, roleId)
  if (input.permissions) assertGrantable(ctx, [...input.permissions, ...role.permissions])
  const changes = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.permissions ? { permissions: $set([...new Set(input.permissions)]) } : {}),
  }
  await transaction()
    .add(
      'role',
      RoleEntity.build(UpdateTransaction)
        .item({ tenantId: ctx.tenantId, roleId, ...changes })
        // what the grant check saw is what is changed (gone meanwhile: the condition fails too)
        .options({ condition: listEquals('permissions', role.permissions) }),
    )
    .add('audit', auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'role.updated', targetId: roleId }))
    .run({ role: () => new AppError('CONFLICT', 'the role changed meanwhile; retry') })
  return {
    roleId,
    name: input.name ?? role.name,
    permissions: input.permissions ? [...new Set(input.permissions)] : role.permissions,
  }
}

export const deleteRole = async (ctx: TenantContext, roleId: string) => {
  const role = await loadRole(ctx, roleId)
  assertGrantable(ctx, role.permissions)
  await transaction()
    .add(
      'role',
      RoleEntity.build(DeleteTransaction)
        .key({ tenantId: ctx.tenantId, roleId })
        .options({ condition: { attr: 'holderCount', eq: 0 } }),
    )
    .add('audit', auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'role.deleted', targetId: roleId }))
    .run({
      role: () => new AppError('INVALID_STATE', 'the role is still held by members: take it from them first'),
    })
}

/**
 * Gives a member exactly these roles (a business admin). The member's permissions are the union
 * of the roles'; the actor must hold all of them, and the tenant administrator is out of reach.
 */
export const assignRoles = (ctx: TenantContext, memberId: string, roleIds: string[]) =>
  retryOnConflict(async () => {
    const [m, roles] = await Promise.all([getMembership('tenant', ctx.tenantId, memberId), allRoles(ctx)])
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
    assertGrantable(ctx, [...permissions, ...permissionsOf(m.roles)])
    const added = wanted.filter((id) => !m.roles.includes(id))
    const dropped = m.roles.filter((id) => !wanted.includes(id))
    await transaction()
      .add(
        'member',
        updateMembership(
          { realm: 'tenant', ctx: ctx.tenantId, accountId: memberId },
          { roles: wanted },
          { roles: m.roles },
        ),
      )
      .add('roles', ...holdRolesWrites(ctx, added, dropped))
      .add(
        'audit',
        auditWrite(ctx, {
          actorId: ctx.actor.accountId,
          action: 'member.roles-set',
          targetId: memberId,
          detail: wanted.join(','),
        }),
      )
      .run({
        // The member changed (or went) meanwhile: read again.
        member: () => new StaleRead('membership changed'),
        roles: () =>
          new AppError('VALIDATION_FAILED', 'unknown role', [
            { path: 'body.roleIds', message: 'unknown role' },
          ]),
      })
    return { memberId, roles: wanted, permissions }
  })
