import { boolean, Entity, item, list, number, record, string } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'

/** A person's login account, platform-wide. The identifier is stored encrypted only. */
export const AccountEntity = new Entity({
  name: 'Account',
  table,
  timestamps: false,
  schema: item({
    accountId: string().key(),
    identifierEnc: string(),
    identifierKind: string().enum('email', 'mobile'),
    passwordHash: string(),
    mustChangePassword: boolean(),
    status: string().enum('active', 'disabled'),
    passwordChangedAt: string(),
    /** when the owner last proved the identifier with a code sent to it */
    provenAt: string().optional(),
    /** bumped when the password changes or is reset: access tokens carry it and die with it */
    sessionEpoch: number().default(0),
  }),
  computeKey: ({ accountId }: { accountId: string }) => ({ PK: `ACCT#${accountId}`, SK: 'ACCOUNT' }),
})

/** Guard item: one account per login identifier, held by the key's uniqueness. */
export const LoginIdEntity = new Entity({
  name: 'LoginId',
  table,
  timestamps: false,
  schema: item({ blindIndex: string().key(), accountId: string() }),
  computeKey: ({ blindIndex }: { blindIndex: string }) => ({ PK: `LOGINID#${blindIndex}`, SK: 'LOGINID' }),
})

export type Realm = 'platform' | 'industry' | 'tenant'

export const realmPartition = (realm: Realm, ctx: string): string =>
  realm === 'platform' ? 'PLATFORM' : realm === 'industry' ? `IND#${ctx}` : tenantPartition(ctx)

/**
 * An account's standing in a realm: the platform (system admins), an industry (its admins)
 * or a tenant (members, the tenant admin among them). The member id is the account id, so
 * the key itself keeps one membership per account per tenant.
 */
export const MembershipEntity = new Entity({
  name: 'Membership',
  table,
  timestamps: false,
  schema: item({
    realm: string().enum('platform', 'industry', 'tenant').key(),
    ctx: string().key(),
    accountId: string().key(),
    /** tenant code or industry code, for the login chooser without another read */
    ctxCode: string(),
    nameEnc: string().optional(),
    /** directory fields of a tenant member, encrypted under the tenant's key */
    mobileEnc: string().optional(),
    emailEnc: string().optional(),
    employeeNo: string().optional(),
    departmentIds: list(string()).optional(),
    /** blind indexes of the contact fields, so their guards can be found without decrypting */
    mobileBi: string().optional(),
    emailBi: string().optional(),
    createdAt: string().optional(),
    status: string().enum('active', 'disabled'),
    roles: list(string()),
    /** how many groups the member is in, so removing them can be conditioned on having seen all */
    groupCount: number().optional(),
    /** moves on at every change: whatever was computed from the membership checks it at commit */
    rev: number().optional(),
    /**
     * A tenant member's entitled app ids (each `true`), kept in the transaction of every entitlement
     * change (lib/access/reconcile.ts) so the session check reads them with the membership. Absent on
     * memberships written before it was kept: their apps are read from the entitlements.
     */
    apps: record(string(), boolean()).optional(),
    GSI1PK: string(),
    GSI1SK: string(),
    /** exact-name search: `T#<tenantId>#NAME#<blind index>` */
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
  }),
  computeKey: ({ realm, ctx, accountId }: { realm: Realm; ctx: string; accountId: string }) => ({
    PK: realmPartition(realm, ctx),
    SK: realm === 'tenant' ? `MEMBER#${accountId}` : `ADMIN#${accountId}`,
  }),
})

export const membershipIndexKeys = (realm: Realm, ctx: string, accountId: string) => ({
  GSI1PK: `ACCT#${accountId}`,
  GSI1SK: `MEMBERSHIP#${realmPartition(realm, ctx)}`,
})
