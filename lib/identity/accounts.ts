import {
  $add,
  $remove,
  $set,
  BatchGetRequest,
  type Condition,
  ConditionCheck,
  DeleteTransaction,
  GetItemCommand,
  PutTransaction,
  QueryCommand,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { platformCipher } from '../core/crypto/data-keys.js'
import { hashGeneratedSecret, hashPassword } from '../core/crypto/passwords.js'
import { batchGet } from '../core/db/batch-get.js'
import { listEquals, type WriteItem } from '../core/db/conditions.js'
import { queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { normaliseIdentifier, platformPhoneRegion } from '../core/identifiers.js'
import { newId, newInitialPassword } from '../core/ids.js'
import { accountNameWrite } from './account-names.js'
import {
  AccountEntity,
  LoginIdEntity,
  MembershipEntity,
  membershipIndexKeys,
  type Realm,
  realmPartition,
} from './entities.js'

/**
 * A login identifier in its normal form. Accounts are platform-wide, so a national mobile number
 * is read in the platform's region; callers that know a tenant's region pass numbers already in
 * E.164, which every region reads alike.
 */
const loginIdentifier = (identifier: string) => normaliseIdentifier(identifier, platformPhoneRegion())

export const identifierIndex = async (identifier: string): Promise<string> => {
  const { kind, value } = loginIdentifier(identifier)
  return (await platformCipher()).blindIndex(`login-${kind}`, value)
}

export const getAccount = async (accountId: string) => {
  const { Item } = await AccountEntity.build(GetItemCommand)
    .key({ accountId })
    .options({ consistent: true })
    .send()
  return Item
}
export type Account = NonNullable<Awaited<ReturnType<typeof getAccount>>>

/** The account behind a login identifier: the guard item, then the account (two reads). */
export const findAccountByIdentifier = async (identifier: string): Promise<Account | undefined> => {
  const blindIndex = await identifierIndex(identifier)
  const { Item: guard } = await LoginIdEntity.build(GetItemCommand).key({ blindIndex }).send()
  return guard ? getAccount(guard.accountId) : undefined
}

/** Read in place of a missing account, so an unknown identifier costs what a known one does. */
const NO_ACCOUNT = '0000000000000000000000000z'

/**
 * What a password login needs, read the same way whether or not the identifier has an account
 * (the guard, the account, its memberships: three reads either way), so timing tells nothing.
 */
export const loginSubject = async (identifier: string) => {
  const blindIndex = await identifierIndex(identifier)
  const { Item: guard } = await LoginIdEntity.build(GetItemCommand).key({ blindIndex }).send()
  const accountId = guard?.accountId ?? NO_ACCOUNT
  const [account, memberships] = await Promise.all([getAccount(accountId), listMemberships(accountId)])
  return { blindIndex, account: guard ? account : undefined, memberships: guard ? memberships : [] }
}

export const decryptIdentifier = async (account: Account): Promise<string> =>
  (await platformCipher()).decrypt(account.identifierEnc, `account:${account.accountId}:identifier`)

/** The blind index of an account's own login identifier (its attempt counters are keyed by it). */
export const accountIdentifierIndex = async (account: Account): Promise<string> =>
  identifierIndex(await decryptIdentifier(account))

/**
 * The writes that give an identifier an account: the existing one, or a new account with a
 * password (a one-time one the person must change, unless the caller sets it). The guard's
 * condition makes a concurrent creation for the same identifier fail the whole transaction.
 */
export const prepareAccount = async (
  identifier: string,
  options: { password?: string; proven?: boolean } = {},
) => {
  const existing = await findAccountByIdentifier(identifier)
  if (existing) return { accountId: existing.accountId, created: false as const, writes: [] }
  const accountId = newId()
  const { kind, value } = loginIdentifier(identifier)
  const cipher = await platformCipher()
  const password = options.password ?? newInitialPassword()
  const writes = [
    LoginIdEntity.build(PutTransaction)
      .item({ blindIndex: cipher.blindIndex(`login-${kind}`, value), accountId })
      .options({ condition: { attr: 'blindIndex', exists: false } }),
    AccountEntity.build(PutTransaction)
      .item({
        accountId,
        identifierEnc: cipher.encrypt(value, `account:${accountId}:identifier`),
        identifierKind: kind,
        passwordHash:
          options.password === undefined ? hashGeneratedSecret(password) : await hashPassword(password),
        mustChangePassword: options.password === undefined,
        status: 'active',
        passwordChangedAt: nowIso(),
        provenAt: options.proven ? nowIso() : undefined,
      })
      .options({ condition: { attr: 'accountId', exists: false } }),
  ]
  return {
    accountId,
    created: true as const,
    initialPassword: options.password === undefined ? password : undefined,
    writes,
  }
}

export interface MembershipInput {
  realm: Realm
  ctx: string
  ctxCode: string
  accountId: string
  nameEnc?: string
  mobileEnc?: string
  emailEnc?: string
  employeeNo?: string
  departmentIds?: string[]
  mobileBi?: string
  emailBi?: string
  createdAt?: string
  GSI2PK?: string
  GSI2SK?: string
  roles: string[]
}

/** Changes to a membership, conditioned on it existing (and on lists the caller read being unchanged). */
export const updateMembership = (
  key: { realm: Realm; ctx: string; accountId: string },
  set: Record<string, unknown>,
  unchanged: Unchanged = {},
) =>
  MembershipEntity.build(UpdateTransaction)
    .item({
      ...key,
      // Lists are replaced whole ($set): the toolbox otherwise updates them index by index, so
      // [a, b] -> [c] would leave [c, b] (a removed role or department would stay).
      ...Object.fromEntries(
        Object.entries(set).map(([k, v]) => [
          k,
          v === undefined ? $remove() : Array.isArray(v) ? $set(v) : v,
        ]),
      ),
      rev: $add(1),
    } as never)
    .options({ condition: existsUnchanged(unchanged) })

/**
 * What must still be as the caller read it: writes that follow from a membership's roles,
 * departments or groups (holder counts, department places, group places) are only right if
 * these did not change in between.
 */
export interface Unchanged {
  roles?: string[]
  departmentIds?: string[]
  /** how many groups the member is in */
  groupCount?: number
  /** the revision read (0: never changed since it was written) */
  rev?: number
}

/** The membership exists, each list equals what was read, and the group count too. */
const existsUnchanged = ({ groupCount, rev, ...lists }: Unchanged): Condition<typeof MembershipEntity> => ({
  and: [
    { attr: 'accountId', exists: true },
    ...(rev === undefined
      ? []
      : [rev === 0 ? { attr: 'rev' as const, exists: false } : { attr: 'rev' as const, eq: rev }]),
    ...(groupCount === undefined
      ? []
      : [
          groupCount === 0
            ? {
                or: [
                  { attr: 'groupCount' as const, exists: false },
                  { attr: 'groupCount' as const, eq: 0 },
                ],
              }
            : { attr: 'groupCount' as const, eq: groupCount },
        ]),
    // Both are lists of strings, so one condition shape serves either (typed as roles).
    ...(Object.entries(lists) as ['roles', string[]][]).map(([attr, values]) => listEquals(attr, values)),
  ],
})

export const deleteMembership = (
  key: { realm: Realm; ctx: string; accountId: string },
  unchanged: Unchanged = {},
) =>
  MembershipEntity.build(DeleteTransaction)
    .key(key)
    .options({ condition: existsUnchanged(unchanged) })

/**
 * Sets a new one-time password: the person must change it at the next login, and every token
 * issued before dies with the old password (the session epoch moves on).
 */
export const resetPasswordWrite = async (accountId: string) => {
  const password = newInitialPassword()
  return {
    password,
    write: AccountEntity.build(UpdateTransaction)
      .item({
        accountId,
        passwordHash: hashGeneratedSecret(password),
        mustChangePassword: true,
        passwordChangedAt: nowIso(),
        sessionEpoch: $add(1),
      })
      .options({ condition: { attr: 'accountId', exists: true } }),
  }
}

/** Reads for a batch (the live session check): the account, and a membership. */
export const accountRequest = (accountId: string) => AccountEntity.build(BatchGetRequest).key({ accountId })
export const membershipRequest = (realm: Realm, ctx: string, accountId: string) =>
  MembershipEntity.build(BatchGetRequest).key({ realm, ctx, accountId })

/** A new membership; a tenant's with the way back from the member's account name (apps name members by it). */
export const putMembership = (m: MembershipInput): WriteItem[] => [
  MembershipEntity.build(PutTransaction)
    .item({
      ...m,
      status: 'active',
      // an empty map from the start: the member's entitled apps are kept on it (see `apps`)
      ...(m.realm === 'tenant' ? { apps: {} } : {}),
      ...membershipIndexKeys(m.realm, m.ctx, m.accountId),
    })
    .options({ condition: { attr: 'accountId', exists: false } }),
  ...(m.realm === 'tenant' ? [accountNameWrite(m.ctx, m.accountId)] : []),
]

/** Every realm an account belongs to (one Query on GSI1). */
export const listMemberships = async (accountId: string) => {
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(MembershipEntity)
    .query({ index: 'GSI1', partition: `ACCT#${accountId}`, range: { beginsWith: 'MEMBERSHIP#' } })
    .send()
  return Items
}
export type Membership = Awaited<ReturnType<typeof listMemberships>>[number]

export const getMembership = async (realm: Realm, ctx: string, accountId: string) => {
  const { Item } = await MembershipEntity.build(GetItemCommand)
    .key({ realm, ctx, accountId })
    .options({ consistent: true })
    .send()
  return Item
}

/**
 * The active members of a tenant holding a role. No index keeps a role's holders, so this reads the
 * tenant's memberships (filtered): for rare writes only (an approval's submission), never a list.
 */
export const activeRoleHolderIds = async (tenantId: string, roleId: string) => {
  const ids: string[] = []
  let cursor: string | undefined
  do {
    const page = await queryPage(
      MembershipEntity,
      { partition: realmPartition('tenant', tenantId), prefix: 'MEMBER#', limit: 1000, cursor },
      {
        and: [
          { attr: 'roles', contains: roleId },
          { attr: 'status', eq: 'active' },
        ],
      },
    )
    ids.push(...page.items.map((m) => m.accountId))
    cursor = page.nextCursor
  } while (cursor)
  return ids
}

/** Memberships of one realm by account id, in the order asked (missing ones left out). */
export const getMemberships = async (realm: Realm, ctx: string, accountIds: string[]) =>
  (
    await batchGet(
      MembershipEntity,
      accountIds.map((accountId) => ({ realm, ctx, accountId })),
      { consistent: true },
    )
  ).filter((m): m is Membership => m !== undefined)

/**
 * A transaction item that only checks the membership: it exists (e.g. when adding them to a group)
 * and, when given, its lists are still what was read (an admin's authority over them was checked).
 */
export const membershipUnchanged = (
  key: { realm: Realm; ctx: string; accountId: string },
  unchanged: Unchanged = {},
) => MembershipEntity.build(ConditionCheck).key(key).condition(existsUnchanged(unchanged))

/**
 * The entitlement side of a membership, in the transaction that changes the member's entitlements:
 * checked as membershipUnchanged checks it, plus whether its app map is kept as read; where kept, the
 * apps given become entitled (true) or stop being (false). Each is one path of the map (set or
 * removed), so changes to different apps of one member commute, and none moves `rev`: the member's
 * place did not change, so reconciles of other apps computed from it stay valid.
 */
export const membershipAppsWrite = (
  key: { realm: Realm; ctx: string; accountId: string },
  unchanged: Unchanged,
  kept: boolean,
  apps: ReadonlyMap<string, boolean>,
) => {
  const condition = {
    and: [existsUnchanged(unchanged), { attr: 'apps' as const, exists: kept }],
  } as Condition<typeof MembershipEntity>
  if (!kept || apps.size === 0) return MembershipEntity.build(ConditionCheck).key(key).condition(condition)
  return MembershipEntity.build(UpdateTransaction)
    .item({
      ...key,
      apps: Object.fromEntries([...apps].map(([appId, entitled]) => [appId, entitled ? true : $remove()])),
    } as never)
    .options({ condition })
}

/** The app ids a membership keeps (undefined: not kept, read the entitlements). */
export const keptAppIds = (m: { apps?: Record<string, boolean> } | undefined) =>
  m?.apps === undefined ? undefined : Object.keys(m.apps).sort()

/** A transaction item that only checks the membership exists and is enabled (someone may be named in it). */
export const membershipActive = (key: { realm: Realm; ctx: string; accountId: string }) =>
  MembershipEntity.build(ConditionCheck).key(key).condition({ attr: 'status', eq: 'active' })

/** A transaction item that only checks the membership is (still) gone. */
export const membershipAbsent = (key: { realm: Realm; ctx: string; accountId: string }) =>
  MembershipEntity.build(ConditionCheck).key(key).condition({ attr: 'accountId', exists: false })
