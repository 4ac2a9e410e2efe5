import {
  $add,
  boolean,
  Entity,
  executeTransactWrite,
  GetItemCommand,
  item,
  number,
  PutTransaction,
  QueryCommand,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import QRCode from 'qrcode'
import type { Principal } from '../core/auth/principal.js'
import { addDays, nowIso } from '../core/clock.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import type { WriteItem } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError, notFound } from '../core/errors.js'
import { newCode, newId } from '../core/ids.js'
import { decryptIdentifier, getAccount, getMembership, prepareAccount } from '../identity/accounts.js'
import { findTenant } from '../tenants/queries.js'
import { tenantDomain } from '../tenants/views.js'
import { auditWrite } from './audit.js'
import { addMember } from './members.js'

const InvitationEntity = new Entity({
  name: 'Invitation',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    inviteId: string().key(),
    code: string(),
    departmentId: string().optional(),
    expiresAt: string().optional(),
    maxUses: number().optional(),
    uses: number(),
    needsApproval: boolean(),
    revoked: boolean(),
    createdBy: string(),
    createdAt: string(),
  }),
  computeKey: ({ tenantId, inviteId }: { tenantId: string; inviteId: string }) => ({
    PK: `T#${tenantId}`,
    SK: `INVITE#${inviteId}`,
  }),
})

/** A code resolves to its workbench without knowing the tenant (codes are unique platform-wide). */
const InviteCodeEntity = new Entity({
  name: 'InviteCode',
  table,
  timestamps: false,
  schema: item({ code: string().key(), tenantId: string(), inviteId: string() }),
  computeKey: ({ code }: { code: string }) => ({ PK: `INVITECODE#${code}`, SK: 'INVITECODE' }),
})

/** A request to join that waits for an admin (invitations that need approval). */
const JoinRequestEntity = new Entity({
  name: 'JoinRequest',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    requestId: string().key(),
    accountId: string(),
    inviteId: string(),
    nameEnc: string(),
    status: string().enum('pending', 'approved', 'rejected'),
    createdAt: string(),
  }),
  computeKey: ({ tenantId, requestId }: { tenantId: string; requestId: string }) => ({
    PK: `T#${tenantId}`,
    SK: `JOINREQ#${requestId}`,
  }),
})

type Invitation = NonNullable<Awaited<ReturnType<typeof getInvitation>>>

const getInvitation = async (tenantId: string, inviteId: string) => {
  const { Item } = await InvitationEntity.build(GetItemCommand)
    .key({ tenantId, inviteId })
    .options({ consistent: true })
    .send()
  return Item
}

const joinUrl = (code: string, tenantCode: string) => `https://${tenantDomain(tenantCode)}/join?code=${code}`

const view = (i: Invitation, tenantCode: string) => ({
  inviteId: i.inviteId,
  code: i.code,
  url: joinUrl(i.code, tenantCode),
  departmentId: i.departmentId,
  expiresAt: i.expiresAt,
  maxUses: i.maxUses,
  uses: i.uses,
  needsApproval: i.needsApproval,
  revoked: i.revoked,
  createdAt: i.createdAt,
})

const tenantCodeOf = async (tenantId: string) => {
  const t = await findTenant(tenantId)
  if (!t) throw notFound('tenant')
  return t.code
}

export interface NewInvitation {
  departmentId?: string
  expiresInDays?: number
  maxUses?: number
  needsApproval?: boolean
}

export const createInvitation = async (tenantId: string, actor: Principal, input: NewInvitation) => {
  const invitation: Invitation = {
    tenantId,
    inviteId: newId(),
    code: newCode(10).toUpperCase(),
    departmentId: input.departmentId,
    expiresAt: input.expiresInDays ? addDays(nowIso(), input.expiresInDays) : undefined,
    maxUses: input.maxUses,
    uses: 0,
    needsApproval: input.needsApproval ?? false,
    revoked: false,
    createdBy: actor.accountId,
    createdAt: nowIso(),
  }
  await executeTransactWrite(
    InvitationEntity.build(PutTransaction).item(invitation),
    InviteCodeEntity.build(PutTransaction)
      .item({ code: invitation.code, tenantId, inviteId: invitation.inviteId })
      .options({ condition: { attr: 'code', exists: false } }),
    auditWrite(tenantId, {
      actorId: actor.accountId,
      action: 'invitation.created',
      targetId: invitation.inviteId,
    }),
  )
  return view(invitation, await tenantCodeOf(tenantId))
}

export const listInvitations = async (tenantId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(InvitationEntity)
    .query({ partition: `T#${tenantId}`, range: { beginsWith: 'INVITE#' } })
    .send()
  const code = await tenantCodeOf(tenantId)
  return Items.map((i) => view(i, code))
}

export const revokeInvitation = async (tenantId: string, actor: Principal, inviteId: string) => {
  if (!(await getInvitation(tenantId, inviteId))) throw notFound('invitation')
  await executeTransactWrite(
    InvitationEntity.build(UpdateTransaction).item({ tenantId, inviteId, revoked: true }),
    auditWrite(tenantId, { actorId: actor.accountId, action: 'invitation.revoked', targetId: inviteId }),
  )
}

export const invitationQr = async (tenantId: string, inviteId: string) => {
  const invitation = await getInvitation(tenantId, inviteId)
  if (!invitation) throw notFound('invitation')
  return QRCode.toString(joinUrl(invitation.code, await tenantCodeOf(tenantId)), { type: 'svg', margin: 2 })
}

/**
 * One use of an invitation, for the transaction that adds the member: the database refuses it
 * when the invitation is revoked, expired or used up, however many redeem it at once.
 */
const useWrite = (i: Invitation): WriteItem =>
  InvitationEntity.build(UpdateTransaction)
    .item({ tenantId: i.tenantId, inviteId: i.inviteId, uses: $add(1) })
    .options({
      condition: {
        and: [
          { attr: 'revoked', eq: false },
          {
            or: [
              { attr: 'expiresAt', exists: false },
              { attr: 'expiresAt', gt: nowIso() },
            ],
          },
          {
            or: [
              { attr: 'maxUses', exists: false },
              { attr: 'uses', lt: { attr: 'maxUses' } },
            ],
          },
        ],
      },
    })

const resolveCode = async (code: string) => {
  const { Item } = await InviteCodeEntity.build(GetItemCommand)
    .key({ code: code.trim().toUpperCase() })
    .send()
  const invitation = Item ? await getInvitation(Item.tenantId, Item.inviteId) : undefined
  if (!invitation) throw notFound('invitation')
  const usable =
    !invitation.revoked &&
    (!invitation.expiresAt || invitation.expiresAt > nowIso()) &&
    (invitation.maxUses === undefined || invitation.uses < invitation.maxUses)
  if (!usable) throw new AppError('INVALID_STATE', 'the invitation is expired, used up or revoked')
  return invitation
}

export interface Joiner {
  name: string
  mobile?: string
  email?: string
  password?: string
}

/**
 * Redeems a code: straight into the workbench (the seat limit holds as for any add), or as a
 * join request when the invitation needs an admin's approval.
 */
const redeem = async (code: string, joiner: Joiner, existing?: { accountId: string }) => {
  const invitation = await resolveCode(code)
  const tenant = await findTenant(invitation.tenantId)
  if (!tenant) throw notFound('invitation')
  const base = { tenant: { code: tenant.code, name: tenant.name } }
  if (invitation.needsApproval) {
    return { ...base, ...(await requestToJoin(invitation, joiner, existing)) }
  }
  await addMember(
    invitation.tenantId,
    { accountId: existing?.accountId ?? '' },
    {
      name: joiner.name,
      mobile: joiner.mobile,
      email: joiner.email,
      departmentIds: invitation.departmentId ? [invitation.departmentId] : [],
    },
    {
      password: joiner.password,
      extra: [useWrite(invitation)],
      action: 'member.joined',
      newAccountOnly: !existing,
    },
  )
  return { ...base, status: 'joined' as const }
}

/** A stranger with a code: a new login with the password they choose. */
export const redeemAsNewPerson = (code: string, joiner: Joiner & { password: string }) => redeem(code, joiner)

/** A logged-in person joins another enterprise with a code (personal centre). */
export const redeemAsMe = async (principal: Principal, code: string, name: string) => {
  const account = await getAccount(principal.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  const identifier = await decryptIdentifier(account)
  const contact = identifier.includes('@') ? { email: identifier } : { mobile: identifier }
  return redeem(code, { name, ...contact }, { accountId: account.accountId })
}

const requestToJoin = async (invitation: Invitation, joiner: Joiner, existing?: { accountId: string }) => {
  // A stranger's login is created now, so that approval only adds the membership.
  const identifier = (joiner.mobile ?? joiner.email) as string
  const account = existing
    ? { accountId: existing.accountId, writes: [], created: false }
    : await prepareAccount(identifier, { password: joiner.password })
  if (!existing && !account.created)
    throw new AppError(
      'ALREADY_EXISTS',
      'this login already exists: log in and join from your personal centre',
    )
  const cipher = await cipherFor(tenantScope(invitation.tenantId))
  if (!cipher) throw notFound('invitation')
  const requestId = newId()
  await executeTransactWrite(
    ...account.writes,
    JoinRequestEntity.build(PutTransaction).item({
      tenantId: invitation.tenantId,
      requestId,
      accountId: account.accountId,
      inviteId: invitation.inviteId,
      nameEnc: cipher.encrypt(
        JSON.stringify({ name: joiner.name, mobile: joiner.mobile, email: joiner.email }),
        `joinreq:${requestId}`,
      ),
      status: 'pending',
      createdAt: nowIso(),
    }),
  )
  return { status: 'pending' as const, requestId }
}

export const listJoinRequests = async (tenantId: string) => {
  const cipher = await cipherFor(tenantScope(tenantId))
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(JoinRequestEntity)
    .query({ partition: `T#${tenantId}`, range: { beginsWith: 'JOINREQ#' } })
    .send()
  return Items.filter((r) => r.status === 'pending').map((r) => {
    const who = JSON.parse(cipher?.decrypt(r.nameEnc, `joinreq:${r.requestId}`) ?? '{}') as Joiner
    return {
      requestId: r.requestId,
      name: who.name,
      mobile: who.mobile,
      email: who.email,
      createdAt: r.createdAt,
    }
  })
}

/** Approving adds the member (seat limit and invitation use held as for any join). */
export const decideJoinRequest = async (
  tenantId: string,
  actor: Principal,
  requestId: string,
  approve: boolean,
) => {
  const { Item: request } = await JoinRequestEntity.build(GetItemCommand)
    .key({ tenantId, requestId })
    .options({ consistent: true })
    .send()
  if (request?.status !== 'pending') throw notFound('join request')
  const decided = JoinRequestEntity.build(UpdateTransaction)
    .item({ tenantId, requestId, status: approve ? 'approved' : 'rejected' })
    .options({ condition: { attr: 'status', eq: 'pending' } })
  if (!approve) {
    await executeTransactWrite(
      decided,
      auditWrite(tenantId, {
        actorId: actor.accountId,
        action: 'join.rejected',
        targetId: request.accountId,
      }),
    )
    return { status: 'rejected' as const }
  }
  const invitation = await getInvitation(tenantId, request.inviteId)
  if (!invitation) throw notFound('invitation')
  const cipher = await cipherFor(tenantScope(tenantId))
  const who = JSON.parse(cipher?.decrypt(request.nameEnc, `joinreq:${requestId}`) ?? '{}') as Joiner
  const account = await getAccount(request.accountId)
  if (!account || (await getMembership('tenant', tenantId, request.accountId)))
    throw new AppError('INVALID_STATE', 'already a member')
  await addMember(
    tenantId,
    actor,
    {
      name: who.name,
      mobile: who.mobile,
      email: who.email,
      departmentIds: invitation.departmentId ? [invitation.departmentId] : [],
    },
    { extra: [useWrite(invitation), decided], action: 'join.approved' },
  )
  return { status: 'approved' as const }
}
