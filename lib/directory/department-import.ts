import { executeTransactWrite } from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import type { TenantContext } from '../core/tenancy.js'
import { departmentPlan, departmentsByPath, parsePaths } from './department-paths.js'
import type { DepartmentImportReport, ImportBody } from './schemas.js'
import { invalidFile, readSheet } from './sheet.js'

type Row = DepartmentImportReport['rows'][number]

/**
 * Imports departments: one path a row in a `path` column ("Plant 1/Assembly"). The departments
 * along each path that do not exist yet are created, existing ones are left as they are, so the
 * same file can be run again and changes nothing the second time; up to MAX_NEW_DEPARTMENTS a call
 * (the rows past it say to run the file again).
 */
export const importDepartments = async (
  ctx: TenantContext,
  input: ImportBody,
): Promise<DepartmentImportReport> => {
  const sheet = readSheet(input)
  const column = sheet.columns.indexOf('path')
  if (column < 0) throw invalidFile('the header needs a path column')
  const byPath = await departmentsByPath(ctx)
  const plan = departmentPlan(byPath)
  const rows: Row[] = sheet.rows.map(({ row, cells }) => {
    const parsed = parsePaths(cells[column] ?? '')
    if ('reason' in parsed) return { row, outcome: 'refused', reason: `path: ${parsed.reason}` }
    const [path, ...more] = parsed.paths
    if (!path) return { row, outcome: 'refused', reason: 'path: empty' }
    if (more.length > 0) return { row, outcome: 'refused', reason: 'path: one path a row' }
    const planned = plan.take([path])
    if ('reason' in planned) return { row, path, outcome: 'refused', reason: planned.reason }
    return { row, path, outcome: planned.creates > 0 ? 'would-create' : 'unchanged' }
  })
  if (!input.dryRun) {
    let created = 0
    for (const r of rows) {
      if (r.outcome !== 'would-create' || !r.path) continue
      const ensured = await byPath.ensure(r.path)
      created += ensured.created
      r.outcome = ensured.created > 0 ? 'created' : 'unchanged'
    }
    await executeTransactWrite(
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'departments.import',
        detail: `created=${created}`,
      }),
    )
  }
  return { dryRun: input.dryRun, rows }
}
