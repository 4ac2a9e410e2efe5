import { executeTransactWrite, QueryCommand } from 'dynamodb-toolbox'
import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import type { Principal } from '../core/auth/principal.js'
import { nowIso } from '../core/clock.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import type { FieldCipher } from '../core/crypto/field-cipher.js'
import { failedConditions, retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { decodeCursor, encodeCursor, invalidCursor } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { AppError, notFound } from '../core/errors.js'
import {
  deleteMembership,
  getMembership,
  getMemberships,
  listMemberships,
  type Membership,
  prepareAccount,
  putMembership,
  resetPasswordWrite,
  updateMembership,
} from '../identity/accounts.js'
import { MembershipEntity } from '../identity/entities.js'
import { findTenant } from '../tenants/queries.js'
import { freeSeatWrite, takeSeatWrite } from '../tenants/seats.js'
import { auditWrite } from './audit.js'
import { claimContact, contactIndex, memberByContact, nameIndex, releaseContact } from './contacts.js'
import {
  departmentMemberIds,
  joinDepartmentWrites,
  leaveDepartmentWrites,
  subtreeIds,
} from './departments.js'
import { leaveAllGroupsWrites, listGroupMembers } from './groups.js'
import { memberAad, memberRecord, nameKeys } from './member-record.js'
import { holdRolesWrites } from './roles.js'
import type { AddMemberInput, Member, UpdateMemberInput } from './schemas.js'

const tenantCipher = async (tenantId: string): Promise<FieldCipher> => {
  const cipher = await cipherFor(tenantScope(tenantId))
  if (!cipher) throw notFound('tenant')
  return cipher
}

export const toMember = (cipher: FieldCipher, m: Membership): Member => ({
  memberId: m.accountId,
  name: m.nameEnc ? cipher.decrypt(m.nameEnc, memberAad(m.accountId, 'name')) : '',
  mobile: m.mobileEnc ? cipher.decrypt(m.mobileEnc, memberAad(m.accountId, 'mobile')) : undefined,
  email: m.emailEnc ? cipher.decrypt(m.emailEnc, memberAad(m.accountId, 'email')) : undefined,
  employeeNo: m.employeeNo,
  departmentIds: m.departmentIds ?? [],
  status: m.status,
  roles: m.roles,
  createdAt: m.createdAt,
})

const unknownDepartment = () =>
  new AppError('VALIDATION_FAILED', 'unknown department', [
    { path: 'body.departmentIds', message: 'unknown department' },
  ])

const duplicate = (what: string) =>
  new AppError('ALREADY_EXISTS', `${what} already belongs to a member of this workbench`)

/**
 * Adds a member: the person's account (created with a one-time password, or linked when the
 * identifier already has one), the membership with its encrypted fields, the contact guards and a
 * seat, in one transaction. The seat's condition is what holds the edition's limit.
 */
export interface AddOptions {
  /** the person chooses their password (joining by invitation) instead of a one-time one */
  password?: string
  /** more writes of the same transaction, after all others (an invitation's use) */
  extra?: WriteItem[]
  /** what the audit log calls it */
  action?: string
  /** refuse to link an existing account (a stranger redeeming a code cannot claim someone's login) */
  newAccountOnly?: boolean
}

export const addMember = async (
  tenantId: string,
  actor: Pick<Principal, 'accountId'>,
  input: AddMemberInput,
  options: AddOptions = {},
) => {
  const [tenant, cipher] = await Promise.all([findTenant(tenantId), tenantCipher(tenantId)])
  if (!tenant) throw notFound('tenant')
  // Fail fast before hashing a password; the transaction below is what decides.
  if (tenant.memberCount >= tenant.limits.maxMembers) throw seatLimit(tenant.limits.maxMembers)
  const identifier = (input.mobile ?? input.email) as string
  const departmentIds = [...new Set(input.departmentIds ?? [])]
  return retryOnConflict(async () => {
    const account = await prepareAccount(identifier, { password: options.password })
    if (options.newAccountOnly && !account.created) {
      throw new AppError(
        'ALREADY_EXISTS',
        'this login already exists: log in and join from your personal centre',
      )
    }
    const { accountId } = account
    const { fields, guards } = memberRecord(tenantId, cipher, accountId, input)
    const writes: WriteItem[] = [
      takeSeatWrite(tenantId),
      putMembership({
        realm: 'tenant',
        ctx: tenantId,
        ctxCode: tenant.code,
        accountId,
        ...fields,
        employeeNo: input.employeeNo,
        departmentIds,
        createdAt: nowIso(),
        roles: [],
      }),
      ...guards,
      ...account.writes,
      ...departmentIds.flatMap((d) => joinDepartmentWrites(tenantId, d, accountId)),
      auditWrite(tenantId, {
        actorId: actor.accountId || accountId,
        action: options.action ?? 'member.added',
        targetId: accountId,
      }),
      ...(options.extra ?? []),
    ]
    const firstExtra = writes.length - (options.extra?.length ?? 0)
    const firstDeptWrite = 2 + guards.length + account.writes.length
    try {
      await executeTransactWrite(...writes)
    } catch (err) {
      const failed = failedConditions(err)
      if (failed.includes(0)) {
        const now = await findTenant(tenantId)
        if (now?.status !== 'active') throw new AppError('TENANT_FROZEN', 'the workbench is frozen')
        throw seatLimit(now.limits.maxMembers)
      }
      if (failed.includes(1)) throw duplicate('this person')
      if (failed.some((i) => i >= firstExtra))
        throw new AppError('INVALID_STATE', 'the invitation is expired, used up or revoked')
      if (failed.some((i) => i >= firstDeptWrite && i < firstDeptWrite + 2 * departmentIds.length))
        throw unknownDepartment()
      if (failed.some((i) => i >= 2 && i < 2 + guards.length))
        throw duplicate('this mobile number or e-mail address')
      // The account was created concurrently by another request: the retry links it.
      if (failed.length > 0) throw new StaleRead('account created meanwhile')
      throw err
    }
    const member = await getMembership('tenant', tenantId, accountId)
    return {
      member: toMember(cipher, member as Membership),
      initialPassword: account.created ? account.initialPassword : undefined,
      existingAccount: !account.created,
    }
  })
}

const seatLimit = (max: number) =>
  new AppError('SEAT_LIMIT_REACHED', `the edition allows ${max} members; remove one or upgrade`, {
    maxMembers: max,
  })

const loadMember = async (tenantId: string, memberId: string) => {
  const m = await getMembership('tenant', tenantId, memberId)
  if (!m) throw notFound('member')
  return m
}

/** Business admins never act on the tenant administrator; nobody removes or disables themselves. */
const guardTarget = (actor: Principal, target: Membership, selfAllowed: boolean) => {
  if (target.roles.includes(TENANT_ADMIN_ROLE) && !actor.roles.includes(TENANT_ADMIN_ROLE)) {
    throw new AppError('FORBIDDEN', 'only the tenant administrator can change the tenant administrator')
  }
  if (!selfAllowed && target.accountId === actor.accountId) throw new AppError('FORBIDDEN', 'not on yourself')
}

export const getMember = async (tenantId: string, memberId: string) =>
  toMember(await tenantCipher(tenantId), await loadMember(tenantId, memberId))

export const updateMember = async (
  tenantId: string,
  actor: Principal,
  memberId: string,
  input: UpdateMemberInput,
) => {
  const [cipher, m] = await Promise.all([tenantCipher(tenantId), loadMember(tenantId, memberId)])
  guardTarget(actor, m, true)
  const set: Record<string, unknown> = {}
  const writes: WriteItem[] = []
  if (input.name !== undefined) {
    set.nameEnc = cipher.encrypt(input.name, memberAad(memberId, 'name'))
    Object.assign(set, nameKeys(tenantId, cipher, input.name, memberId))
  }
  for (const field of ['mobile', 'email'] as const) {
    const value = input[field]
    if (value === undefined) continue
    const old = m[`${field}Bi`]
    const next = value === null ? undefined : contactIndex(cipher, value)
    if (old === next) continue
    if (old) writes.push(releaseContact(tenantId, old))
    if (next) writes.push(claimContact(tenantId, next, memberId))
    set[`${field}Enc`] = value === null ? undefined : cipher.encrypt(value, memberAad(memberId, field))
    set[`${field}Bi`] = next
  }
  if (input.employeeNo !== undefined) set.employeeNo = input.employeeNo ?? undefined
  try {
    await executeTransactWrite(
      updateMembership({ realm: 'tenant', ctx: tenantId, accountId: memberId }, set),
      ...writes,
      auditWrite(tenantId, {
        actorId: actor.accountId,
        action: 'member.updated',
        targetId: memberId,
        detail: Object.keys(input).join(','),
      }),
    )
  } catch (err) {
    if (failedConditions(err).some((i) => i > 0)) throw duplicate('this mobile number or e-mail address')
    if (failedConditions(err).includes(0)) throw notFound('member')
    throw err
  }
  return getMember(tenantId, memberId)
}

export const setMemberStatus = async (
  tenantId: string,
  actor: Principal,
  memberId: string,
  status: 'active' | 'disabled',
) => {
  const m = await loadMember(tenantId, memberId)
  guardTarget(actor, m, false)
  await executeTransactWrite(
    updateMembership({ realm: 'tenant', ctx: tenantId, accountId: memberId }, { status }),
    auditWrite(tenantId, {
      actorId: actor.accountId,
      action: status === 'active' ? 'member.enabled' : 'member.disabled',
      targetId: memberId,
    }),
  )
  return getMember(tenantId, memberId)
}

/**
 * Removes the member and frees the seat; the person's account stays (other workbenches, login).
 * Their departments, roles and groups are left in the same transaction, conditioned on being the
 * ones read: a change meanwhile makes it read again.
 */
export const removeMember = (tenantId: string, actor: Principal, memberId: string) =>
  retryOnConflict(async () => {
    const m = await loadMember(tenantId, memberId)
    guardTarget(actor, m, false)
    if (m.roles.includes(TENANT_ADMIN_ROLE))
      throw new AppError('FORBIDDEN', 'the tenant administrator cannot be removed')
    const groups = await leaveAllGroupsWrites(tenantId, memberId)
    const departmentIds = m.departmentIds ?? []
    try {
      await executeTransactWrite(
        deleteMembership(
          { realm: 'tenant', ctx: tenantId, accountId: memberId },
          { departmentIds, roles: m.roles, groupCount: groups.count },
        ),
        ...groups.writes,
        freeSeatWrite(tenantId),
        ...departmentIds.flatMap((d) => leaveDepartmentWrites(tenantId, d, memberId)),
        ...holdRolesWrites(tenantId, [], m.roles),
        ...[m.mobileBi, m.emailBi]
          .filter((b): b is string => b !== undefined)
          .map((b) => releaseContact(tenantId, b)),
        auditWrite(tenantId, { actorId: actor.accountId, action: 'member.removed', targetId: memberId }),
      )
    } catch (err) {
      // Gone (404 on the next read) or changed meanwhile: read again.
      if (failedConditions(err).length > 0) throw new StaleRead('member changed meanwhile')
      throw err
    }
  })

/**
 * A new one-time password. Only for a person who belongs to this workbench alone: a shared
 * person's password is theirs to reset, not one tenant's to take over.
 */
export const resetMemberPassword = async (tenantId: string, actor: Principal, memberId: string) => {
  const m = await loadMember(tenantId, memberId)
  guardTarget(actor, m, false)
  const memberships = await listMemberships(memberId)
  if (memberships.length > 1) {
    throw new AppError(
      'INVALID_STATE',
      'this person belongs to other workbenches too; they reset their own password',
    )
  }
  const { password, write } = await resetPasswordWrite(memberId)
  await executeTransactWrite(
    write,
    auditWrite(tenantId, { actorId: actor.accountId, action: 'member.password-reset', targetId: memberId }),
  )
  return { initialPassword: password }
}

export interface ListMembersInput {
  status?: 'active' | 'disabled'
  q?: string
  departmentId?: string
  groupId?: string
  includeSubDepartments?: boolean
  limit: number
  cursor?: string
}

/**
 * The ids a search or filter selects (all of them must hold), or undefined when none is given.
 * Each source is bounded by the tenant's size, never by the whole table.
 */
const selectedIds = async (tenantId: string, cipher: FieldCipher, input: ListMembersInput) => {
  const sources: Promise<string[]>[] = []
  if (input.q) {
    const q = input.q
    const byContact = /^[+\d\s\-()]{6,}$/.test(q) || q.includes('@')
    sources.push(
      byContact
        ? memberByContact(tenantId, contactIndex(cipher, q)).then((id) => (id ? [id] : []))
        : table
            .build(QueryCommand)
            .entities(MembershipEntity)
            .query({ index: 'GSI2', partition: `T#${tenantId}#NAME#${nameIndex(cipher, q)}` })
            .send()
            .then(({ Items = [] }) => Items.map((i) => i.accountId)),
    )
  }
  if (input.departmentId) {
    const depts = input.includeSubDepartments
      ? await subtreeIds(tenantId, input.departmentId)
      : [input.departmentId]
    sources.push(departmentMemberIds(tenantId, depts))
  }
  if (input.groupId) sources.push(listGroupMembers(tenantId, input.groupId))
  if (sources.length === 0) return undefined
  const [first = [], ...rest] = (await Promise.all(sources)).map((ids) => new Set(ids))
  return [...first].filter((id) => rest.every((more) => more.has(id)))
}

/** A page of a selected set of members, in id order; the cursor is the last id given. */
const pageOfIds = async (tenantId: string, cipher: FieldCipher, ids: string[], input: ListMembersInput) => {
  const sorted = [...new Set(ids)].sort()
  let at = 0
  if (input.cursor) {
    const after = decodeCursor(input.cursor, {})?.after
    if (!after) throw invalidCursor()
    at = sorted.findIndex((id) => id > after)
    if (at < 0) at = sorted.length
  }
  const items: Member[] = []
  while (items.length < input.limit && at < sorted.length) {
    const chunk = sorted.slice(at, at + input.limit - items.length)
    at += chunk.length
    for (const m of await getMemberships('tenant', tenantId, chunk)) {
      if (!input.status || m.status === input.status) items.push(toMember(cipher, m))
    }
  }
  return { items, nextCursor: at < sorted.length ? encodeCursor({ after: sorted[at - 1] }) : undefined }
}

/**
 * A page of members: everyone (one Query page), or those a search (exact mobile, e-mail or
 * full name, through the blind indexes) and the department/group filters select.
 */
export const listMembers = async (tenantId: string, input: ListMembersInput) => {
  const cipher = await tenantCipher(tenantId)
  const ids = await selectedIds(tenantId, cipher, input)
  if (ids) return pageOfIds(tenantId, cipher, ids, input)
  const partition = `T#${tenantId}`
  const { Items = [], LastEvaluatedKey } = await table
    .build(QueryCommand)
    .entities(MembershipEntity)
    .query({ partition, range: { beginsWith: 'MEMBER#' } })
    .options({
      limit: input.limit,
      exclusiveStartKey: decodeCursor(input.cursor, { PK: partition }),
      ...(input.status ? { filters: { Membership: { attr: 'status', eq: input.status } } } : {}),
    })
    .send()
  return { items: Items.map((m) => toMember(cipher, m)), nextCursor: encodeCursor(LastEvaluatedKey) }
}

/** Puts a member in exactly these departments (each must exist: the database checks). */
export const setMemberDepartments = (
  tenantId: string,
  actor: Principal,
  memberId: string,
  departmentIds: string[],
) =>
  retryOnConflict(async () => {
    const m = await loadMember(tenantId, memberId)
    guardTarget(actor, m, true)
    const wanted = [...new Set(departmentIds)]
    const current = m.departmentIds ?? []
    const joins = wanted.filter((d) => !current.includes(d))
    const leaves = current.filter((d) => !wanted.includes(d))
    try {
      await executeTransactWrite(
        updateMembership(
          { realm: 'tenant', ctx: tenantId, accountId: memberId },
          { departmentIds: wanted },
          { departmentIds: current },
        ),
        ...joins.flatMap((d) => joinDepartmentWrites(tenantId, d, memberId)),
        ...leaves.flatMap((d) => leaveDepartmentWrites(tenantId, d, memberId)),
        auditWrite(tenantId, {
          actorId: actor.accountId,
          action: 'member.departments-set',
          targetId: memberId,
          detail: wanted.join(','),
        }),
      )
    } catch (err) {
      const failed = failedConditions(err)
      // The member changed (or went) meanwhile: read again.
      if (failed.includes(0)) throw new StaleRead('membership changed')
      if (failed.length > 0) throw unknownDepartment()
      throw err
    }
    return getMember(tenantId, memberId)
  })
