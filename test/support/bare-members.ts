import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { executeTransactWrite } from 'dynamodb-toolbox'
import { config } from '../../lib/core/config.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { newId } from '../../lib/core/ids.js'
import { putMembership } from '../../lib/identity/accounts.js'

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
      ...chunk.map((accountId) =>
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
