import { executeTransactWrite } from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import type { TenantContext } from '../core/tenancy.js'
import { formatCsv } from './csv.js'
import { departmentPaths } from './department-paths.js'
import { departmentTree } from './departments.js'
import { listMembers } from './members.js'

/** Every member as CSV, with department paths; the same columns the import reads. */
export const exportMembers = async (ctx: TenantContext) => {
  const names = departmentPaths(await departmentTree(ctx))
  const rows: (string | undefined)[][] = [['name', 'mobile', 'email', 'employeeNo', 'status', 'departments']]
  let cursor: string | undefined
  do {
    const page = await listMembers(ctx, { limit: 100, cursor })
    for (const m of page.items) {
      rows.push([
        m.name,
        m.mobile,
        m.email,
        m.employeeNo,
        m.status,
        m.departmentIds.map((d) => names.get(d)).join(';'),
      ])
    }
    cursor = page.nextCursor
  } while (cursor)
  await executeTransactWrite(
    auditWrite(ctx, {
      actorId: ctx.actor.accountId,
      action: 'members.export',
      detail: `rows=${rows.length - 1}`,
    }),
  )
  return formatCsv(rows)
}
