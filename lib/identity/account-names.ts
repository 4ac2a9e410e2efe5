import { createHash } from 'node:crypto'
import { Entity, GetItemCommand, item, PutTransaction, string } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { base32 } from '../core/ids.js'

/**
 * A member's account name, the id apps know them by (OIDC `sub` and `preferred_username`, the
 * workbench's `userName`, the CAS user): stable, never the mobile or e-mail, different in every
 * tenant (apps serving two tenants cannot link one person) and revealing nothing of the account.
 * 130 bits of a hash: unique with overwhelming probability.
 */
export const accountName = (tenantId: string, accountId: string) =>
  base32(createHash('sha256').update(`member:${tenantId}:${accountId}`).digest()).slice(0, 26)

/**
 * The way back from an account name to the member, for apps that name a member by what sign-in
 * gave them (an app pushing a todo). Written with every tenant membership; the name is a function
 * of the tenant and account, so a member who leaves and comes back writes the same item again, and
 * a stale one leads to a membership that is gone (the caller checks it).
 */
const AccountNameEntity = new Entity({
  name: 'AccountName',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), accountName: string().key(), accountId: string() }),
  computeKey: ({ tenantId, accountName }: { tenantId: string; accountName: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `ACCTNAME#${accountName}`,
  }),
})

export const accountNameWrite = (tenantId: string, accountId: string) =>
  AccountNameEntity.build(PutTransaction).item({
    tenantId,
    accountName: accountName(tenantId, accountId),
    accountId,
  })

/** The member an app names by account name, if the tenant ever had one by that name. */
export const memberOfAccountName = async (tenantId: string, name: string) =>
  (await AccountNameEntity.build(GetItemCommand).key({ tenantId, accountName: name }).send()).Item?.accountId
