import { Entity, item, number, PutTransaction, string } from 'dynamodb-toolbox'
import { nowEpochSeconds, nowIso } from '../core/clock.js'
import { config } from '../core/config.js'
import { tenantIndexPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { newId } from '../core/ids.js'
import type { TenantScope } from '../core/tenancy.js'

export type LoginResult =
  | 'success'
  | 'bad_password'
  | 'locked'
  | 'disabled'
  | 'tenant_frozen'
  | 'no_membership'
  | 'refresh_reuse'

/** One login attempt: when, how it ended, from where. Never the password. Expires by TTL. */
const LoginLogEntity = new Entity({
  name: 'LoginLog',
  table,
  timestamps: false,
  schema: item({
    accountId: string().key(),
    entryId: string().key(),
    at: string(),
    result: string(),
    tenantId: string().optional(),
    ip: string(),
    userAgent: string(),
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
    expiresAtEpoch: number(),
  }),
  computeKey: ({ accountId, entryId }: { accountId: string; entryId: string }) => ({
    PK: `ACCT#${accountId}`,
    SK: `LOGIN#${entryId}`,
  }),
})

export interface AttemptContext {
  ip: string
  userAgent: string
}

export const loginLogWrite = (
  accountId: string,
  result: LoginResult,
  ctx: AttemptContext,
  tenantId?: string,
) => {
  const at = nowIso()
  const entryId = newId()
  return LoginLogEntity.build(PutTransaction).item({
    accountId,
    entryId,
    at,
    result,
    tenantId,
    ip: ctx.ip.slice(0, 64),
    userAgent: ctx.userAgent.slice(0, 256),
    ...(tenantId ? { GSI2PK: tenantIndexPartition(tenantId, 'LOGINS'), GSI2SK: `${at}#${entryId}` } : {}),
    expiresAtEpoch: nowEpochSeconds() + config().LOGIN_LOG_RETENTION_DAYS * 86_400,
  })
}

const view = ({ at, result, accountId, tenantId, ip, userAgent }: Record<string, unknown>) =>
  ({ at, result, accountId, tenantId, ip, userAgent }) as {
    at: string
    result: string
    accountId: string
    tenantId?: string
    ip: string
    userAgent: string
  }

export const accountLoginLog = async (accountId: string, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(LoginLogEntity, {
    partition: `ACCT#${accountId}`,
    prefix: 'LOGIN#',
    limit,
    cursor,
    reverse: true,
  })
  return { items: items.map(view), nextCursor }
}

export const tenantLoginLog = async ({ tenantId }: TenantScope, limit: number, cursor?: string) => {
  const { items, nextCursor } = await queryPage(LoginLogEntity, {
    index: 'GSI2',
    partition: tenantIndexPartition(tenantId, 'LOGINS'),
    limit,
    cursor,
    reverse: true,
  })
  return { items: items.map(view), nextCursor }
}
