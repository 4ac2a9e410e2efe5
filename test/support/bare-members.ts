import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { executeTransactWrite } from 'dynamodb-toolbox'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { newId } from '../../lib/core/ids.js'
import { prepareAccount, putMembership } from '../../lib/identity/accounts.js'

/**
 * Memberships written straight to the table (no account, no login): many members, quickly; with
 * `deptId`, members of that department (its member items too; its member count is not kept).
 */
export const addBareMembers = async (
  tenant: { tenantId: string; code: string },
  count: number,
  { deptId }: { deptId?: string } = {},
) => {
  const ids = Array.from({ length: count }, () => newId())
  for (let i = 0; i < ids.length; i += 25) {
    const chunk = ids.slice(i, i + 25)
    await executeTransactWrite(
      ...chunk.flatMap((accountId) =>
        putMembership({
          realm: 'tenant',
          ctx: tenant.tenantId,
          ctxCode: tenant.code,
          accountId,
          roles: [],
          ...(deptId ? { departmentIds: [deptId] } : {}),
        }),
      ),
    )
    if (deptId) {
      await getDocumentClient().send(
        new BatchWriteCommand({
          RequestItems: {
            [config().ATRIUM_TABLE_NAME]: chunk.map((memberId) => ({
              PutRequest: {
                Item: {
                  PK: `T#${tenant.tenantId}`,
                  SK: `DMEMBER#${deptId}#${memberId}`,
                  _et: 'DepartmentMember',
                  tenantId: tenant.tenantId,
                  deptId,
                  memberId,
                },
              },
            })),
          },
        }),
      )
    }
  }
  return ids
}

/** A tenant's member count set straight in the table: a workbench as full as a test needs it. */
export const setMemberCount = (tenantId: string, count: number) =>
  getDocumentClient().send(
    new UpdateCommand({
      TableName: config().ATRIUM_TABLE_NAME,
      Key: { PK: `T#${tenantId}`, SK: 'TENANT' },
      UpdateExpression: 'SET memberCount = :n',
      ExpressionAttributeValues: { ':n': count },
    }),
  )

/**
 * An ordinary member, written with the identity use cases directly: the directory API that
 * adds members arrives with the directory capability.
 */
export const addPlainMember = async (
  tenant: { tenantId: string; code: string },
  {
    identifier = `member-${Date.now()}-${Math.random().toString(36).slice(2)}@tenant.test`,
    password = 'Member-password-1',
  } = {},
) => {
  const account = await prepareAccount(identifier, { password })
  await executeTransactWrite(
    ...account.writes,
    ...putMembership({
      realm: 'tenant',
      ctx: tenant.tenantId,
      ctxCode: tenant.code,
      accountId: account.accountId,
      roles: [],
    }),
  )
  return { identifier, password, accountId: account.accountId }
}
