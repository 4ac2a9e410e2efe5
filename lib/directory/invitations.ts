import {
  $add,
  boolean,
  DeleteTransaction,
  Entity,
  GetItemCommand,
  item,
  number,
  PutTransaction,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import type { Caller } from '../core/auth/caller.js'
import { addDays, nowIso } from '../core/clock.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import type { WriteItem } from '../core/db/conditions.js'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { mobileNumber } from '../core/identifiers.js'
import { newCode, newId } from '../core/ids.js'
import { systemContext, type TenantContext, type TenantScope, trustedTenantId } from '../core/tenancy.js'
import { decryptIdentifier, getAccount, getMembership, prepareAccount } from '../identity/accounts.js'
import { proofWrite } from '../identity/proofs.js'
import { findTenant } from '../tenants/queries.js'
import { tenantDomain, tenantPhoneRegion } from '../tenants/record.js'
import { departmentExists } from './departments.js'
import { JoinRequestEntity } from './join-requests.js'
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
    PK: tenantPartition(tenantId),
    SK: `INVITE#${inviteId}`,
  }),
})

/**
 * A code resolves to its workbench without knowing the tenant (codes are unique platform-wide).
 * The guard lives outside the tenant's partition, so the directory's purge removes it.
 */
const InviteCodeEntity = new Entity({
  name: 'InviteCode',
  table,
  timestamps: false,
  schema: item({ code: string().key(), tenantId: string(), inviteId: string() }),
  computeKey: ({ code }: { code: string }) => ({ PK: `INVITECODE#${code}`, SK: 'INVITECODE' }),
})

type Invitation = NonNullable<Awaited<ReturnType<typeof findInvitation>>>

const findInvitation = async ({ tenantId }: TenantScope, inviteId: string) => {
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

export interface NewInvitation {
  departmentId?: string
  expiresInDays?: number
  maxUses?: number
  needsApproval?: boolean
}

/** A new invitation; a department it names must exist in this tenant (the database checks). */
export const createInvitation = async (ctx: TenantContext, input: NewInvitation) => {
  const invitation: Invitation = {
    tenantId: ctx.tenantId,
    inviteId: newId(),
    code: newCode(10).toUpperCase(),
    departmentId: input.departmentId,
    expiresAt: input.expiresInDays ? addDays(nowIso(), input.expiresInDays) : undefined,
    maxUses: input.maxUses,
    uses: 0,
    needsApproval: input.needsApproval ?? false,
    revoked: false,
    createdBy: ctx.actor.accountId,
    createdAt: nowIso(),
  }
  await transaction()
    .add('invitation', InvitationEntity.build(PutTransaction).item(invitation))
    .add(
      'code',
      InviteCodeEntity.build(PutTransaction)
        .item({ code: invitation.code, tenantId: ctx.tenantId, inviteId: invitation.inviteId })
        .options({ condition: { attr: 'code', exists: false } }),
    )
    .add('department', ...(input.departmentId ? [departmentExists(ctx, input.departmentId)] : []))
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'invitation.created',
        targetId: invitation.inviteId,
      }),
    )
    .run({
      department: () =>
        new AppError('VALIDATION_FAILED', 'unknown department', [
          { path: 'body.departmentId', message: 'unknown department' },
        ]),
      code: () => new AppError('CONFLICT', 'a code collided; retry'),
    })
  return view(invitation, ctx.code)
}

export const listInvitations = async (ctx: TenantContext, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(InvitationEntity, {
    partition: tenantPartition(ctx.tenantId),
    prefix: 'INVITE#',
    limit,
    cursor,
  })
  return { items: items.map((i) => view(i, ctx.code)), nextCursor }
}

export const getInvitation = async (ctx: TenantContext, inviteId: string) => {
  const invitation = await findInvitation(ctx, inviteId)
  if (!invitation) throw notFound('invitation')
  return view(invitation, ctx.code)
}

export const revokeInvitation = async (ctx: TenantContext, inviteId: string) => {
  await transaction()
    .add(
      'invitation',
      InvitationEntity.build(UpdateTransaction)
        .item({ tenantId: ctx.tenantId, inviteId, revoked: true })
        .options({ condition: { attr: 'inviteId', exists: true } }),
    )
    .add(
      'audit',
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'invitation.revoked', targetId: inviteId }),
    )
    .run({ invitation: () => notFound('invitation') })
}

export const invitationQr = async (ctx: TenantContext, inviteId: string) => {
  const invitation = await findInvitation(ctx, inviteId)
  if (!invitation) throw notFound('invitation')
  // Loaded on first use: the QR renderer is a large share of the directory's cold start.
  const { default: QRCode } = await import('qrcode')
  return QRCode.toString(joinUrl(invitation.code, ctx.code), { type: 'svg', margin: 2 })
}

/** Why an invitation no longer admits anyone, as the person trying it should hear it. */
const unusable = (i: Invitation): AppError | undefined => {
  if (i.revoked) return new AppError('INVITATION_REVOKED', 'this invitation was withdrawn by the workbench')
  if (i.expiresAt && i.expiresAt <= nowIso())
    return new AppError('INVITATION_EXPIRED', 'this invitation has expired')
  if (i.maxUses !== undefined && i.uses >= i.maxUses)
    return new AppError('INVITATION_USED_UP', 'this invitation has been used as often as it allows')
  return undefined
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

/** The invitation's use, with the error that says why it failed (read again after the race). */
const use = (i: Invitation) => ({
  label: 'invitation',
  writes: [useWrite(i)],
  explain: () => new AppError('INVITATION_USED_UP', 'this invitation has been used as often as it allows'),
})

const resolveCode = async (code: string) => {
  const { Item } = await InviteCodeEntity.build(GetItemCommand)
    .key({ code: code.trim().toUpperCase() })
    .send()
  const invitation = Item
    ? await findInvitation({ tenantId: trustedTenantId(Item.tenantId) }, Item.inviteId)
    : undefined
  if (!invitation) throw notFound('invitation')
  const refusal = unusable(invitation)
  if (refusal) throw refusal
  return invitation
}

export interface Joiner {
  name: string
  mobile?: string
  email?: string
  password?: string
}

/** The login a joiner asks for: their mobile number, else their e-mail address. */
const loginOf = (joiner: Joiner) => (joiner.mobile ?? joiner.email) as string

/** A stranger's proof of the login they ask for, used up in the transaction that creates it. */
const proofOf = async (joiner: Joiner, verificationCode: string) => ({
  label: 'proof',
  writes: [await proofWrite(loginOf(joiner), 'signup', verificationCode, 'body.verificationCode')],
  explain: () => new AppError('CONFLICT', 'the code was used meanwhile'),
})

/** After a lost race on the use counter, say why with a fresh read. */
const explainUse = async (invitation: Invitation, err: unknown) => {
  if (err instanceof AppError && err.code === 'INVITATION_USED_UP') {
    const now = await findInvitation({ tenantId: trustedTenantId(invitation.tenantId) }, invitation.inviteId)
    throw (now && unusable(now)) ?? err
  }
  throw err
}

/**
 * Redeems a code: straight into the workbench (the seat limit holds as for any add), or as a
 * join request when the invitation needs an admin's approval.
 */
const redeem = async (
  code: string,
  given: Joiner,
  who: { existing: { accountId: string } } | { verificationCode: string },
) => {
  const existing = 'existing' in who ? who.existing : undefined
  const invitation = await resolveCode(code)
  const tenant = await findTenant(invitation.tenantId)
  if (!tenant || tenant.status === 'released') throw notFound('invitation')
  // The stranger's mobile becomes their login before any member is added (approval): E.164 now.
  const joiner = {
    ...given,
    mobile: given.mobile && mobileNumber(given.mobile, tenantPhoneRegion(tenant), 'body.mobile'),
  }
  // Nothing about the login is revealed (or created) before its owner proves it.
  const proof = 'verificationCode' in who ? await proofOf(joiner, who.verificationCode) : undefined
  const base = { tenant: { code: tenant.code, name: tenant.name } }
  if (invitation.needsApproval) {
    return { ...base, ...(await requestToJoin(invitation, joiner, existing, proof)) }
  }
  const ctx = systemContext({ tenantId: trustedTenantId(tenant.tenantId), code: tenant.code }, 'invitation')
  await addMember(
    ctx,
    {
      name: joiner.name,
      mobile: joiner.mobile,
      email: joiner.email,
      departmentIds: invitation.departmentId ? [invitation.departmentId] : [],
    },
    {
      password: joiner.password,
      extra: [use(invitation), ...(proof ? [proof] : [])],
      action: 'member.joined',
      newAccountOnly: !existing,
      proven: proof !== undefined,
    },
  ).catch((err) => explainUse(invitation, err))
  return { ...base, status: 'joined' as const }
}

/** A stranger with a code: a new login with the password they choose, once they proved the identifier. */
export const redeemAsNewPerson = (
  code: string,
  joiner: Joiner & { password: string; verificationCode: string },
) => redeem(code, joiner, { verificationCode: joiner.verificationCode })

/** A logged-in person joins another enterprise with a code (personal centre). */
export const redeemAsMe = async (caller: Caller, code: string, name: string) => {
  const account = await getAccount(caller.accountId)
  if (!account) throw new AppError('UNAUTHENTICATED', 'account not found')
  const identifier = await decryptIdentifier(account)
  const contact = identifier.includes('@') ? { email: identifier } : { mobile: identifier }
  return redeem(code, { name, ...contact }, { existing: { accountId: account.accountId } })
}

const requestToJoin = async (
  invitation: Invitation,
  joiner: Joiner,
  existing: { accountId: string } | undefined,
  proof: Awaited<ReturnType<typeof proofOf>> | undefined,
) => {
  // A stranger's (proven) login is created now, so that approval only adds the membership.
  const account = existing
    ? { accountId: existing.accountId, writes: [], created: false }
    : await prepareAccount(loginOf(joiner), { password: joiner.password, proven: true })
  if (!existing && !account.created)
    throw new AppError(
      'ALREADY_EXISTS',
      'this login already exists: log in and join from your personal centre',
    )
  const cipher = await cipherFor(tenantScope(invitation.tenantId))
  if (!cipher) throw notFound('invitation')
  const requestId = newId()
  const createdAt = nowIso()
  await transaction()
    .add('account', ...account.writes)
    .add('proof', ...(proof?.writes ?? []))
    .add(
      'request',
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
        createdAt,
        GSI1PK: `ACCT#${account.accountId}`,
        GSI1SK: `JOINREQ#${invitation.tenantId}#${requestId}`,
        GSI2PK: tenantIndexPartition(invitation.tenantId, 'JOINREQ'),
        GSI2SK: `${createdAt}#${requestId}`,
      }),
    )
    .run({
      account: () =>
        new AppError(
          'ALREADY_EXISTS',
          'this login already exists: log in and join from your personal centre',
        ),
    })
  return { status: 'pending' as const, requestId }
}

export const listJoinRequests = async (ctx: TenantContext, limit: number, cursor?: string) => {
  const cipher = await cipherFor(tenantScope(ctx.tenantId))
  const { items, nextCursor } = await queryPage(JoinRequestEntity, {
    index: 'GSI2',
    partition: tenantIndexPartition(ctx.tenantId, 'JOINREQ'),
    limit,
    cursor,
  })
  return {
    items: items.map((r) => {
      const who = JSON.parse(cipher?.decrypt(r.nameEnc, `joinreq:${r.requestId}`) ?? '{}') as Joiner
      return {
        requestId: r.requestId,
        name: who.name,
        mobile: who.mobile,
        email: who.email,
        createdAt: r.createdAt,
      }
    }),
    nextCursor,
  }
}

/** Approving adds the member (seat limit and invitation use held as for any join). */
export const decideJoinRequest = async (ctx: TenantContext, requestId: string, approve: boolean) => {
  const { Item: request } = await JoinRequestEntity.build(GetItemCommand)
    .key({ tenantId: ctx.tenantId, requestId })
    .options({ consistent: true })
    .send()
  if (request?.status !== 'pending') throw notFound('join request')
  // Decided requests leave both queues (the tenant's and the account's).
  const decided = JoinRequestEntity.build(PutTransaction)
    .item({
      tenantId: request.tenantId,
      requestId,
      accountId: request.accountId,
      inviteId: request.inviteId,
      nameEnc: request.nameEnc,
      createdAt: request.createdAt,
      status: approve ? 'approved' : 'rejected',
    })
    .options({ condition: { attr: 'status', eq: 'pending' } })
  const stale = () => notFound('join request')
  if (!approve) {
    await transaction()
      .add('request', decided)
      .add(
        'audit',
        auditWrite(ctx, {
          actorId: ctx.actor.accountId,
          action: 'join.rejected',
          targetId: request.accountId,
        }),
      )
      .run({ request: stale })
    return { status: 'rejected' as const }
  }
  const invitation = await findInvitation(ctx, request.inviteId)
  if (!invitation) throw notFound('invitation')
  const cipher = await cipherFor(tenantScope(ctx.tenantId))
  const who = JSON.parse(cipher?.decrypt(request.nameEnc, `joinreq:${requestId}`) ?? '{}') as Joiner
  const account = await getAccount(request.accountId)
  if (!account || (await getMembership('tenant', ctx.tenantId, request.accountId)))
    throw new AppError('INVALID_STATE', 'already a member')
  const refusal = unusable(invitation)
  if (refusal) throw refusal
  await addMember(
    ctx,
    {
      name: who.name,
      mobile: who.mobile,
      email: who.email,
      departmentIds: invitation.departmentId ? [invitation.departmentId] : [],
    },
    {
      extra: [
        { label: 'invitation', writes: [useWrite(invitation), decided], explain: use(invitation).explain },
      ],
      action: 'join.approved',
    },
  ).catch((err) => explainUse(invitation, err))
  return { status: 'approved' as const }
}

/**
 * Release: the invitation codes are guards outside the tenant's partition. Run before the
 * partition is purged (the invitations name their codes); each call removes up to `budget`.
 */
export const purgeInvitationCodes = async (scope: TenantScope, budget: number) => {
  const invitations = await queryPage(InvitationEntity, {
    partition: tenantPartition(scope.tenantId),
    prefix: 'INVITE#',
    limit: Math.min(budget, 100),
  })
  if (invitations.items.length === 0) return { deleted: 0, done: true }
  for (let start = 0; start < invitations.items.length; start += 50) {
    const chunk = transaction()
    for (const i of invitations.items.slice(start, start + 50)) {
      chunk.add('code', InviteCodeEntity.build(DeleteTransaction).key({ code: i.code }))
      chunk.add(
        'invitation',
        InvitationEntity.build(DeleteTransaction).key({ tenantId: scope.tenantId, inviteId: i.inviteId }),
      )
    }
    await chunk.run()
  }
  return { deleted: invitations.items.length * 2, done: invitations.nextCursor === undefined }
}
