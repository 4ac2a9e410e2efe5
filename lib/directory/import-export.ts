import { executeTransactWrite } from 'dynamodb-toolbox'
import type { Principal } from '../core/auth/principal.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import { AppError } from '../core/errors.js'
import { findTenant } from '../tenants/queries.js'
import { auditWrite } from './audit.js'
import { contactIndex, memberByContact } from './contacts.js'
import { formatCsv, parseCsv } from './csv.js'
import { createDepartment, type Department, departmentTree } from './departments.js'
import { addMember, listMembers } from './members.js'
import { AddMemberBody } from './schemas.js'
import { readXlsx, XlsxError } from './xlsx.js'

export const MAX_IMPORT_ROWS = 2000
const COLUMNS = {
  name: 'name',
  mobile: 'mobile',
  email: 'email',
  employeeno: 'employeeNo',
  departments: 'departments',
} as const

export interface RowReport {
  row: number
  outcome: 'added' | 'would-add' | 'unchanged' | 'refused'
  reason?: string
  memberId?: string
  initialPassword?: string
}

/** Each department's path ("Plant 1/Assembly"), by id, over the tree as it is. */
const departmentPaths = (tree: Department[]) => {
  const paths = new Map<string, string>()
  const walk = (nodes: Department[], prefix: string) => {
    for (const d of nodes) {
      const path = prefix ? `${prefix}/${d.name}` : d.name
      paths.set(d.deptId, path)
      walk(d.children, path)
    }
  }
  walk(tree, '')
  return paths
}

/** Paths (case-insensitive) to ids, for reading a file. */
const pathIndex = (tree: Department[]) =>
  new Map([...departmentPaths(tree)].map(([id, path]) => [path.toLowerCase(), id]))

const splitPaths = (cell: string) =>
  cell
    .split(';')
    .map((p) =>
      p
        .split('/')
        .map((s) => s.trim())
        .filter(Boolean)
        .join('/'),
    )
    .filter(Boolean)

/** Creates the departments a path needs, top down; returns the id of the last one. */
const ensurePath = async (tenantId: string, actor: Principal, path: string, byPath: Map<string, string>) => {
  let parentId: string | undefined
  let prefix = ''
  for (const name of path.split('/')) {
    prefix = prefix ? `${prefix}/${name}` : name
    let id = byPath.get(prefix.toLowerCase())
    if (!id) {
      id = (await createDepartment(tenantId, actor, { name, parentId })).deptId
      byPath.set(prefix.toLowerCase(), id)
    }
    parentId = id
  }
  return parentId as string
}

const pool = async <T>(items: T[], size: number, fn: (item: T) => Promise<void>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T)
    }),
  )
}

/**
 * Imports members from CSV or XLSX. A dry run reports, row by row, what would happen and why a row is
 * refused; applying does it. A bad row never blocks the good ones, the seat limit holds as for
 * any add, and a member who is already there (same mobile or e-mail) is left unchanged, so
 * running the same file again changes nothing.
 */
const rowsOf = (input: { format: 'csv' | 'xlsx'; content: string }) => {
  if (input.format === 'csv') return parseCsv(input.content)
  try {
    return readXlsx(Buffer.from(input.content, 'base64'))
  } catch (err) {
    if (!(err instanceof XlsxError)) throw err
    throw new AppError('VALIDATION_FAILED', err.message, [{ path: 'body.content', message: err.message }])
  }
}

export const importMembers = async (
  tenantId: string,
  actor: Principal,
  input: { format: 'csv' | 'xlsx'; content: string; dryRun: boolean },
) => {
  const [header, ...lines] = rowsOf(input)
  if (!header)
    throw new AppError('VALIDATION_FAILED', 'the file is empty', [
      { path: 'body.content', message: 'no rows' },
    ])
  if (lines.length > MAX_IMPORT_ROWS) {
    throw new AppError('VALIDATION_FAILED', `at most ${MAX_IMPORT_ROWS} rows per file`, [
      { path: 'body.content', message: 'too many rows' },
    ])
  }
  const columns = header.map(
    (h) => COLUMNS[h.trim().toLowerCase().replace(/[\s_]/g, '') as keyof typeof COLUMNS],
  )
  if (!columns.includes('name')) {
    throw new AppError('VALIDATION_FAILED', 'the header needs a name column', [
      { path: 'body.content', message: 'no name column' },
    ])
  }
  const [tenant, cipher, tree] = await Promise.all([
    findTenant(tenantId),
    cipherFor(tenantScope(tenantId)),
    departmentTree(tenantId),
  ])
  if (!tenant || !cipher) throw new AppError('NOT_FOUND', 'tenant not found')
  const byPath = pathIndex(tree)
  const reports: RowReport[] = []
  const toAdd: { report: RowReport; body: ReturnType<typeof AddMemberBody.parse>; paths: string[] }[] = []
  const seenContacts = new Set<string>()

  for (const [i, cells] of lines.entries()) {
    const report: RowReport = { row: i + 2, outcome: 'refused' }
    reports.push(report)
    const raw = Object.fromEntries(
      columns.flatMap((c, j) => (c && cells[j]?.trim() ? [[c, cells[j]?.trim()]] : [])),
    )
    const { departments = '', ...fields } = raw as Record<string, string>
    const parsed = AddMemberBody.safeParse(fields)
    if (!parsed.success) {
      report.reason = parsed.error.issues.map((e) => `${e.path.join('.') || 'row'}: ${e.message}`).join('; ')
      continue
    }
    const contacts = [parsed.data.mobile, parsed.data.email]
      .filter((c): c is string => !!c)
      .map((c) => contactIndex(cipher, c))
    if (contacts.some((c) => seenContacts.has(c))) {
      report.reason = 'the same mobile number or e-mail address appears earlier in the file'
      continue
    }
    for (const c of contacts) seenContacts.add(c)
    const existing = (await Promise.all(contacts.map((c) => memberByContact(tenantId, c)))).find(Boolean)
    if (existing) {
      report.outcome = 'unchanged'
      report.memberId = existing
      continue
    }
    report.outcome = 'would-add'
    toAdd.push({ report, body: parsed.data, paths: splitPaths(departments) })
  }

  const freeSeats = tenant.limits.maxMembers - tenant.memberCount
  for (const [k, item] of toAdd.entries()) {
    if (k >= freeSeats) {
      item.report.outcome = 'refused'
      item.report.reason = `SEAT_LIMIT_REACHED: the edition allows ${tenant.limits.maxMembers} members`
    }
  }
  const missingPaths = [...new Set(toAdd.flatMap((t) => t.paths))].filter((p) => !byPath.has(p.toLowerCase()))

  if (!input.dryRun) {
    for (const path of missingPaths) await ensurePath(tenantId, actor, path, byPath)
    await pool(
      toAdd.filter((t) => t.report.outcome === 'would-add'),
      8,
      async ({ report, body, paths }) => {
        try {
          const departmentIds = paths.map((p) => byPath.get(p.toLowerCase()) as string)
          const added = await addMember(
            tenantId,
            actor,
            { ...body, departmentIds },
            { action: 'member.imported' },
          )
          Object.assign(report, {
            outcome: 'added',
            memberId: added.member.memberId,
            initialPassword: added.initialPassword,
          })
        } catch (err) {
          report.outcome = 'refused'
          report.reason =
            err instanceof AppError ? `${err.code}: ${err.message}` : 'internal error; retry the row'
        }
      },
    )
    const added = reports.filter((r) => r.outcome === 'added').length
    await executeTransactWrite(
      auditWrite(tenantId, { actorId: actor.accountId, action: 'members.import', detail: `added=${added}` }),
    )
  }
  const count = (o: RowReport['outcome']) => reports.filter((r) => r.outcome === o).length
  return {
    dryRun: input.dryRun,
    summary: {
      rows: reports.length,
      added: count('added'),
      wouldAdd: count('would-add'),
      unchanged: count('unchanged'),
      refused: count('refused'),
      departmentsCreated: input.dryRun ? [] : missingPaths,
      departmentsToCreate: input.dryRun ? missingPaths : [],
    },
    rows: reports,
  }
}

/** Every member as CSV, with department paths; the same columns the import reads. */
export const exportMembers = async (tenantId: string, actor: Principal) => {
  const names = departmentPaths(await departmentTree(tenantId))
  const rows: (string | undefined)[][] = [['name', 'mobile', 'email', 'employeeNo', 'status', 'departments']]
  let cursor: string | undefined
  do {
    const page = await listMembers(tenantId, { limit: 100, cursor })
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
    cursor = 'nextCursor' in page ? page.nextCursor : undefined
  } while (cursor)
  await executeTransactWrite(
    auditWrite(tenantId, {
      actorId: actor.accountId,
      action: 'members.export',
      detail: `rows=${rows.length - 1}`,
    }),
  )
  return formatCsv(rows)
}

/**
 * Imports departments: a `path` column ("Plant 1/Assembly"); missing departments along each path
 * are created, existing ones left as they are, so the same file can be run again.
 */
export const importDepartments = async (
  tenantId: string,
  actor: Principal,
  input: { format: 'csv' | 'xlsx'; content: string; dryRun: boolean },
) => {
  const [header, ...lines] = rowsOf(input)
  const column = header?.findIndex((h) => h.trim().toLowerCase() === 'path') ?? -1
  if (column < 0) {
    throw new AppError('VALIDATION_FAILED', 'the header needs a path column', [
      { path: 'body.content', message: 'no path column' },
    ])
  }
  if (lines.length > MAX_IMPORT_ROWS) {
    throw new AppError('VALIDATION_FAILED', `at most ${MAX_IMPORT_ROWS} rows per file`, [
      { path: 'body.content', message: 'too many rows' },
    ])
  }
  const byPath = pathIndex(await departmentTree(tenantId))
  const planned = new Set<string>()
  const rows = lines.map((cells, i) => {
    const path = splitPaths(cells[column] ?? '')[0]
    if (!path) return { row: i + 2, outcome: 'refused' as const, reason: 'path: empty' }
    if (path.split('/').some((name) => name.length > 100))
      return { row: i + 2, outcome: 'refused' as const, reason: 'path: a name is over 100 characters' }
    const known = byPath.has(path.toLowerCase()) || planned.has(path.toLowerCase())
    planned.add(path.toLowerCase())
    return { row: i + 2, path, outcome: known ? ('unchanged' as const) : ('would-create' as const) }
  })
  if (!input.dryRun) {
    for (const r of rows) {
      if (r.outcome !== 'would-create' || !('path' in r) || !r.path) continue
      await ensurePath(tenantId, actor, r.path, byPath)
      Object.assign(r, { outcome: 'created' })
    }
  }
  return { dryRun: input.dryRun, rows }
}
