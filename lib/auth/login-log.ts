import { Entity, item, number, PutTransaction, QueryCommand, string } from 'dynamodb-toolbox'
import { nowEpochSeconds, nowIso } from '../core/clock.js'
import { config } from '../core/config.js'
import { decodeCursor, encodeCursor } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { newId } from '../core/ids.js'

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
    ...(tenantId ? { GSI2PK: `T#${tenantId}#LOGINS`, GSI2SK: `${at}#${entryId}` } : {}),
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
  const partition = `ACCT#${accountId}`
  const { Items = [], LastEvaluatedKey } = await table
    .build(QueryCommand)
    .entities(LoginLogEntity)
    .query({ partition, range: { beginsWith: 'LOGIN#' } })
    .options({ limit, reverse: true, exclusiveStartKey: decodeCursor(cursor, { PK: partition }) })
    .send()
  return { items: Items.map(view), nextCursor: encodeCursor(LastEvaluatedKey) }
}

export const tenantLoginLog = async (tenantId: string, limit: number, cursor?: string) => {
  const partition = `T#${tenantId}#LOGINS`
  const { Items = [], LastEvaluatedKey } = await table
    .build(QueryCommand)
    .entities(LoginLogEntity)
    .query({ index: 'GSI2', partition })
    .options({ limit, reverse: true, exclusiveStartKey: decodeCursor(cursor, { GSI2PK: partition }) })
    .send()
  return { items: Items.map(view), nextCursor: encodeCursor(LastEvaluatedKey) }
}
