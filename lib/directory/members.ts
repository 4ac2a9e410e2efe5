import { auditWrite } from '../core/audit.js'
import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import { nowIso } from '../core/clock.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import type { FieldCipher } from '../core/crypto/field-cipher.js'
import { retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { pageOfSortedIds, queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { Mobile } from '../core/http/address-schemas.js'
import { mobileNumber, type PhoneRegion } from '../core/identifiers.js'
import { count } from '../core/metrics.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import {
  accountIdentifierIndex,
  deleteMembership,
  getAccount,
  getMembership,
  getMemberships,
  listMemberships,
  type Membership,
  membershipUnchanged,
  prepareAccount,
  putMembership,
  resetPasswordWrite,
  updateMembership,
} from '../identity/accounts.js'
import { MembershipEntity } from '../identity/entities.js'
import { clearThrottles } from '../identity/throttle.js'
import { findTenant } from '../tenants/queries.js'
import { tenantPhoneRegion } from '../tenants/record.js'
import { freeSeatWrite, takeSeatWrite } from '../tenants/seats.js'
import { claimContact, contactIndex, memberByContact, nameIndex, releaseContact } from './contacts.js'
import {
  departmentMemberIds,
  joinDepartmentWrites,
  leaveDepartmentWrites,
  subtreeIds,
} from './departments.js'
import { leaveAllGroupsWrites, listGroupMemberIds } from './groups.js'
import { accountName, memberAad, memberField, memberRecord, nameKeys } from './member-record.js'
import { holdRolesWrites, rolePermissions } from './roles.js'
import type { AddMemberInput, Member, UpdateMemberInput } from './schemas.js'

export const tenantCipher = async ({ tenantId }: TenantScope): Promise<FieldCipher> => {
  const cipher = await cipherFor(tenantScope(tenantId))
  if (!cipher) throw notFound('tenant')
  return cipher
}

const phoneRegion = async ({ tenantId }: TenantScope): Promise<PhoneRegion> => {
  const tenant = await findTenant(tenantId)
  if (!tenant) throw notFound('tenant')
  return tenantPhoneRegion(tenant)
}

/** The member's contact fields as stored: the mobile number in E.164, read in the tenant's region. */
const storedContacts = <T extends { mobile?: string | null }>(input: T, region: PhoneRegion): T => ({
  ...input,
  mobile: input.mobile && mobileNumber(input.mobile, region, 'body.mobile'),
})

export const toMember = (cipher: FieldCipher, m: Membership): Member => ({
  memberId: m.accountId,
  accountName: accountName(m.ctx, m.accountId),
  name: memberField(cipher, m, 'name') ?? '',
  mobile: memberField(cipher, m, 'mobile'),
  email: memberField(cipher, m, 'email'),
  employeeNo: m.employeeNo,
  departmentIds: m.departmentIds ?? [],
  status: m.status,
  roles: m.roles,
  createdAt: m.createdAt,
})

const memberKey = ({ tenantId }: TenantScope, accountId: string) => ({
  realm: 'tenant' as const,
  ctx: tenantId,
  accountId,
})

const unknownDepartment = () =>
  new AppError('VALIDATION_FAILED', 'unknown department', [
    { path: 'body.departmentIds', message: 'unknown department' },
  ])

const duplicate = (what: string) =>
  new AppError('ALREADY_EXISTS', `${what} already belongs to a member of this workbench`)

const seatLimit = (max: number) => {
  count('SeatRefused')
  return new AppError('SEAT_LIMIT_REACHED', `the edition allows ${max} members; remove one or upgrade`, {
    maxMembers: max,
  })
}

/**
 * Adds a member: the person's account (created with a one-time password, or linked when the
 * identifier already has one), the membership with its encrypted fields, the contact guards and a
 * seat, in one transaction. The seat's condition is what holds the edition's limit.
 */
export interface AddOptions {
  /** the person chooses their password (joining by invitation) instead of a one-time one */
  password?: string
  /** more writes of the same transaction, with the error their failed condition means */
  extra?: { label: string; writes: WriteItem[]; explain: () => Error }[]
  /** the identifier was proven by its owner (a code): the new login records it */
  proven?: boolean
  /** what the audit log calls it */
  action?: string
  /** refuse to link an existing account (a stranger redeeming a code cannot claim someone's login) */
  newAccountOnly?: boolean
}

export const addMember = async (ctx: TenantContext, input: AddMemberInput, options: AddOptions = {}) => {
  const [tenant, cipher] = await Promise.all([findTenant(ctx.tenantId), tenantCipher(ctx)])
  if (!tenant) throw notFound('tenant')
  // Fail fast before hashing a password; the transaction below is what decides.
  if (tenant.memberCount >= tenant.limits.maxMembers) throw seatLimit(tenant.limits.maxMembers)
  const region = tenantPhoneRegion(tenant)
  const person = storedContacts(input, region)
  const identifier = (person.mobile ?? person.email) as string
  const departmentIds = [...new Set(input.departmentIds ?? [])]
  return retryOnConflict(async () => {
    const account = await prepareAccount(identifier, { password: options.password, proven: options.proven })
    if (options.newAccountOnly && !account.created) {
      throw new AppError(
        'ALREADY_EXISTS',
        'this login already exists: log in and join from your personal centre',
      )
    }
    const { accountId } = account
    const { fields, guards } = memberRecord(ctx, cipher, accountId, person, region)
    const tx = transaction()
      .add('seat', takeSeatWrite(ctx))
      .add(
        'membership',
        ...putMembership({
          ...memberKey(ctx, accountId),
          ctxCode: ctx.code,
          ...fields,
          employeeNo: input.employeeNo,
          departmentIds,
          createdAt: nowIso(),
          roles: [],
        }),
      )
      .add('contacts', ...guards)
      .add('account', ...account.writes)
      .add('departments', ...departmentIds.flatMap((d) => joinDepartmentWrites(ctx, d, accountId)))
      .add(
        'audit',
        auditWrite(ctx, {
          actorId: ctx.actor.accountId.startsWith('system:') ? accountId : ctx.actor.accountId,
          action: options.action ?? 'member.added',
          targetId: accountId,
        }),
      )
    for (const extra of options.extra ?? []) tx.add(extra.label, ...extra.writes)
    try {
      await tx.run({
        membership: () => duplicate('this person'),
        ...Object.fromEntries((options.extra ?? []).map((e) => [e.label, e.explain])),
        departments: unknownDepartment,
        contacts: () => duplicate('this mobile number or e-mail address'),
      })
    } catch (err) {
      if (!(err instanceof ConditionsFailed)) throw err
      if (err.has('seat')) {
        const now = await findTenant(ctx.tenantId)
        if (now?.status !== 'active') throw new AppError('TENANT_FROZEN', 'the workbench is frozen')
        throw seatLimit(now.limits.maxMembers)
      }
      // The account was created concurrently by another request: the retry links it.
      throw new StaleRead('account created meanwhile')
    }
    const member = await getMembership('tenant', ctx.tenantId, accountId)
    return {
      member: toMember(cipher, member as Membership),
      initialPassword: account.created ? account.initialPassword : undefined,
      existingAccount: !account.created,
    }
  })
}

const loadMember = async (scope: TenantScope, memberId: string) => {
  const m = await getMembership('tenant', scope.tenantId, memberId)
  if (!m) throw notFound('member')
  return m
}

/**
 * Nobody acts on a member who holds a permission they do not hold (the tenant administrator holds
 * them all, so only they act on one another); nobody removes or disables themselves. The writes
 * that follow are conditioned on the target's roles being the ones checked here.
 */
export const assertOutranks = async (ctx: TenantContext, target: Membership, options: { self: boolean }) => {
  if (target.accountId === ctx.actor.accountId) {
    if (!options.self) throw new AppError('FORBIDDEN', 'not on yourself')
    return
  }
  if (ctx.actor.isTenantAdmin) return
  if (target.roles.includes(TENANT_ADMIN_ROLE)) {
    throw new AppError('FORBIDDEN', 'only the tenant administrator can change the tenant administrator')
  }
  const held = await rolePermissions(ctx, target.roles)
  const missing = held.filter((p) => !ctx.actor.permissions.includes(p as never))
  if (missing.length > 0) {
    throw new AppError('FORBIDDEN', `this member holds permissions you do not: ${missing.join(', ')}`)
  }
}

const changedMeanwhile = () => new AppError('CONFLICT', 'the member changed meanwhile; retry')

export const getMember = async (scope: TenantScope, memberId: string) =>
  toMember(await tenantCipher(scope), await loadMember(scope, memberId))

export const updateMember = async (ctx: TenantContext, memberId: string, given: UpdateMemberInput) => {
  const [cipher, m, region] = await Promise.all([
    tenantCipher(ctx),
    loadMember(ctx, memberId),
    phoneRegion(ctx),
  ])
  const input = storedContacts(given, region)
  await assertOutranks(ctx, m, { self: true })
  const set: Record<string, unknown> = {}
  const contacts: WriteItem[] = []
  if (input.name !== undefined) {
    set.nameEnc = cipher.encrypt(input.name, memberAad(memberId, 'name'))
    Object.assign(set, nameKeys(ctx.tenantId, cipher, input.name, memberId))
  }
  for (const field of ['mobile', 'email'] as const) {
    const value = input[field]
    if (value === undefined) continue
    const old = m[`${field}Bi`]
    const next = value === null ? undefined : contactIndex(cipher, value, region)
    if (old === next) continue
    if (old) contacts.push(releaseContact(ctx, old))
    if (next) contacts.push(claimContact(ctx, next, memberId))
    set[`${field}Enc`] = value === null ? undefined : cipher.encrypt(value, memberAad(memberId, field))
    set[`${field}Bi`] = next
  }
  if (input.employeeNo !== undefined) set.employeeNo = input.employeeNo ?? undefined
  await transaction()
    .add('member', updateMembership(memberKey(ctx, memberId), set, { roles: m.roles }))
    .add('contacts', ...contacts)
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'member.updated',
        targetId: memberId,
        detail: Object.keys(input).join(','),
      }),
    )
    .run({ member: changedMeanwhile, contacts: () => duplicate('this mobile number or e-mail address') })
  return getMember(ctx, memberId)
}

export const setMemberStatus = async (
  ctx: TenantContext,
  memberId: string,
  status: 'active' | 'disabled',
) => {
  const m = await loadMember(ctx, memberId)
  await assertOutranks(ctx, m, { self: false })
  await transaction()
    .add('member', updateMembership(memberKey(ctx, memberId), { status }, { roles: m.roles }))
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: status === 'active' ? 'member.enabled' : 'member.disabled',
        targetId: memberId,
      }),
    )
    // Removed meanwhile: 404 on the read below; changed meanwhile: the caller retries.
    .run({ member: changedMeanwhile })
    .catch(async (err) => {
      if (!(await getMembership('tenant', ctx.tenantId, memberId))) throw notFound('member')
      throw err
    })
  return getMember(ctx, memberId)
}

/**
 * Removes the member and frees the seat; the person's account stays (other workbenches, login).
 * Their departments, roles and groups are left in the same transaction, conditioned on being the
 * ones read: a change meanwhile makes it read again.
 */
export const removeMember = (ctx: TenantContext, memberId: string) =>
  retryOnConflict(async () => {
    const m = await loadMember(ctx, memberId)
    if (m.roles.includes(TENANT_ADMIN_ROLE))
      throw new AppError('FORBIDDEN', 'the tenant administrator cannot be removed')
    await assertOutranks(ctx, m, { self: false })
    const groups = await leaveAllGroupsWrites(ctx, memberId)
    const departmentIds = m.departmentIds ?? []
    await transaction()
      .add(
        'member',
        deleteMembership(memberKey(ctx, memberId), {
          departmentIds,
          roles: m.roles,
          groupCount: groups.count,
        }),
      )
      .add('groups', ...groups.writes)
      .add('seat', freeSeatWrite(ctx))
      .add('departments', ...departmentIds.flatMap((d) => leaveDepartmentWrites(ctx, d, memberId)))
      .add('roles', ...holdRolesWrites(ctx, [], m.roles))
      .add(
        'contacts',
        ...[m.mobileBi, m.emailBi]
          .filter((b): b is string => b !== undefined)
          .map((b) => releaseContact(ctx, b)),
      )
      .add(
        'audit',
        auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'member.removed', targetId: memberId }),
      )
      // Gone (404 on the next read) or changed meanwhile: read again.
      .run({
        member: () => new StaleRead('member changed meanwhile'),
        groups: () => new StaleRead('groups changed'),
      })
  })

/**
 * A new one-time password, which also ends the member's sessions and lifts a lockout (replacing
 * it needs the code sent to the member's login, so the admin who reads it cannot keep the login).
 * Only for a person who belongs
 * to this workbench alone: a shared person's password is theirs to reset, not one tenant's to take.
 */
export const resetMemberPassword = async (ctx: TenantContext, memberId: string) => {
  const m = await loadMember(ctx, memberId)
  await assertOutranks(ctx, m, { self: false })
  const memberships = await listMemberships(memberId)
  if (memberships.length > 1) {
    throw new AppError(
      'INVALID_STATE',
      'this person belongs to other workbenches too; they reset their own password',
    )
  }
  const { password, write } = await resetPasswordWrite(memberId)
  await transaction()
    .add('member', membershipUnchanged(memberKey(ctx, memberId), { roles: m.roles }))
    .add('account', write)
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'member.password-reset', targetId: memberId }),
    )
    .run({ member: changedMeanwhile, account: () => notFound('member') })
  await unlockAccount(memberId)
  return { initialPassword: password }
}

const unlockAccount = async (accountId: string) => {
  const account = await getAccount(accountId)
  if (account) await clearThrottles(await accountIdentifierIndex(account))
}

/** Lifts a lockout (too many failed passwords) without touching the password. */
export const unlockMember = async (ctx: TenantContext, memberId: string) => {
  const m = await loadMember(ctx, memberId)
  await assertOutranks(ctx, m, { self: false })
  await unlockAccount(memberId)
  await transaction()
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'member.unlocked', targetId: memberId }),
    )
    .run()
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
 * Each source is bounded by what it selects (a name, a department's subtree, a group).
 */
const selectedIds = async (scope: TenantScope, cipher: FieldCipher, input: ListMembersInput) => {
  const sources: Promise<string[]>[] = []
  if (input.q) {
    const q = input.q
    const byContact = Mobile.safeParse(q).success || q.includes('@')
    sources.push(
      byContact
        ? phoneRegion(scope)
            .then((region) => memberByContact(scope, contactIndex(cipher, q, region)))
            .then((id) => (id ? [id] : []))
        : queryPage(MembershipEntity, {
            index: 'GSI2',
            partition: tenantIndexPartition(scope.tenantId, 'NAME', nameIndex(cipher, q)),
            limit: 100,
          }).then(({ items }) => items.map((i) => i.accountId)),
    )
  }
  if (input.departmentId) {
    const depts = input.includeSubDepartments
      ? await subtreeIds(scope, input.departmentId)
      : [input.departmentId]
    sources.push(departmentMemberIds(scope, depts))
  }
  if (input.groupId) sources.push(listGroupMemberIds(scope, input.groupId))
  if (sources.length === 0) return undefined
  const [first = [], ...rest] = (await Promise.all(sources)).map((ids) => new Set(ids))
  return [...first].filter((id) => rest.every((more) => more.has(id)))
}

/** A page of a selected set of members, in id order; the cursor is the last id given. */
const pageOfIds = async (scope: TenantScope, cipher: FieldCipher, ids: string[], input: ListMembersInput) => {
  const { ids: rest, cursorAfter } = pageOfSortedIds(ids, input.cursor)
  const items: Member[] = []
  let at = 0
  while (items.length < input.limit && at < rest.length) {
    const chunk = rest.slice(at, at + input.limit - items.length)
    at += chunk.length
    for (const m of await getMemberships('tenant', scope.tenantId, chunk)) {
      if (!input.status || m.status === input.status) items.push(toMember(cipher, m))
    }
  }
  return { items, nextCursor: cursorAfter(rest[at - 1]) }
}

/**
 * A page of members: everyone (one Query page), or those a search (exact mobile, e-mail or
 * full name, through the blind indexes) and the department/group filters select.
 */
export const listMembers = async (scope: TenantScope, input: ListMembersInput) => {
  const cipher = await tenantCipher(scope)
  const ids = await selectedIds(scope, cipher, input)
  if (ids) return pageOfIds(scope, cipher, ids, input)
  const page = await queryPage(
    MembershipEntity,
    {
      partition: tenantPartition(scope.tenantId),
      prefix: 'MEMBER#',
      limit: input.limit,
      cursor: input.cursor,
    },
    input.status ? { attr: 'status', eq: input.status } : undefined,
  )
  return { items: page.items.map((m) => toMember(cipher, m)), nextCursor: page.nextCursor }
}

/** Puts a member in exactly these departments (each must exist: the database checks). */
export const setMemberDepartments = (ctx: TenantContext, memberId: string, departmentIds: string[]) =>
  retryOnConflict(async () => {
    const m = await loadMember(ctx, memberId)
    await assertOutranks(ctx, m, { self: true })
    const wanted = [...new Set(departmentIds)]
    const current = m.departmentIds ?? []
    const joins = wanted.filter((d) => !current.includes(d))
    const leaves = current.filter((d) => !wanted.includes(d))
    await transaction()
      .add(
        'member',
        updateMembership(
          memberKey(ctx, memberId),
          { departmentIds: wanted },
          { departmentIds: current, roles: m.roles },
        ),
      )
      .add('joins', ...joins.flatMap((d) => joinDepartmentWrites(ctx, d, memberId)))
      .add('leaves', ...leaves.flatMap((d) => leaveDepartmentWrites(ctx, d, memberId)))
      .add(
        'audit',
        auditWrite(ctx, {
          actorId: ctx.actor.accountId,
          action: 'member.departments-set',
          targetId: memberId,
          detail: wanted.join(','),
        }),
      )
      // The member changed (or went) meanwhile: read again.
      .run({
        member: () => new StaleRead('membership changed'),
        joins: unknownDepartment,
        leaves: () => new StaleRead('department places changed'),
      })
    return getMember(ctx, memberId)
  })
