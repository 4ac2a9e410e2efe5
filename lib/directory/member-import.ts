import { executeTransactWrite } from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { mapLimit } from '../core/concurrency.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import { AppError, notFound } from '../core/errors.js'
import { mobileNumber } from '../core/identifiers.js'
import type { TenantContext } from '../core/tenancy.js'
import { findTenant } from '../tenants/queries.js'
import { tenantPhoneRegion } from '../tenants/record.js'
import { contactIndex, membersByContacts } from './contacts.js'
import { departmentPlan, departmentsByPath, parsePaths } from './department-paths.js'
import { addMember } from './members.js'
import { AddMemberBody, type AddMemberInput, type ImportBody } from './schemas.js'
import { invalidFile, readSheet } from './sheet.js'

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

/**
 * Imports members from CSV or XLSX. A dry run reports, row by row, what would happen and why a
 * row is refused; applying does it. A bad row never blocks the good ones, the seat limit holds as
 * for any add, and a member who is already there (same mobile or e-mail) is left unchanged, so
 * running the same file again changes nothing.
 */
export const importMembers = async (ctx: TenantContext, input: ImportBody) => {
  const sheet = readSheet(input)
  const columns = sheet.columns.map((h) => COLUMNS[h as keyof typeof COLUMNS])
  if (!columns.includes('name')) throw invalidFile('the header needs a name column')
  const [tenant, cipher, byPath] = await Promise.all([
    findTenant(ctx.tenantId),
    cipherFor(tenantScope(ctx.tenantId)),
    departmentsByPath(ctx),
  ])
  if (!tenant || !cipher) throw notFound('tenant')
  const region = tenantPhoneRegion(tenant)
  const reports: RowReport[] = []
  const candidates: {
    report: RowReport
    body: AddMemberInput
    paths: string[]
    contacts: string[]
  }[] = []
  const seenContacts = new Set<string>()

  for (const { row, cells } of sheet.rows) {
    const report: RowReport = { row, outcome: 'refused' }
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
    let body: AddMemberInput
    try {
      body = {
        ...parsed.data,
        mobile: parsed.data.mobile && mobileNumber(parsed.data.mobile, region, 'mobile'),
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      report.reason = err.message
      continue
    }
    const paths = parsePaths(departments)
    if ('reason' in paths) {
      report.reason = `departments: ${paths.reason}`
      continue
    }
    const contacts = [body.mobile, body.email]
      .filter((c): c is string => !!c)
      .map((c) => contactIndex(cipher, c, region))
    if (contacts.some((c) => seenContacts.has(c))) {
      report.reason = 'the same mobile number or e-mail address appears earlier in the file'
      continue
    }
    for (const c of contacts) seenContacts.add(c)
    report.outcome = 'would-add'
    candidates.push({ report, body, paths: paths.paths, contacts })
  }

  // Who is already there: one batch read of the contact guards for the whole file.
  const holders = new Map<string, string | undefined>()
  const asked = candidates.flatMap((c) => c.contacts)
  for (const [i, holder] of (await membersByContacts(ctx, asked)).entries())
    holders.set(asked[i] as string, holder)
  const toAdd = candidates.filter(({ report, contacts }) => {
    const existing = contacts.map((c) => holders.get(c)).find(Boolean)
    if (existing) Object.assign(report, { outcome: 'unchanged', memberId: existing })
    return !existing
  })

  // In file order, a row takes a seat and its new departments only if both are left.
  let freeSeats = tenant.limits.maxMembers - tenant.memberCount
  const plan = departmentPlan(byPath)
  for (const { report, paths } of toAdd) {
    const planned =
      freeSeats > 0
        ? plan.take(paths)
        : { reason: `SEAT_LIMIT_REACHED: the edition allows ${tenant.limits.maxMembers} members` }
    if ('reason' in planned) Object.assign(report, { outcome: 'refused', reason: planned.reason })
    else freeSeats--
  }
  const adding = toAdd.filter((t) => t.report.outcome === 'would-add')
  const missingPaths = [...new Set(adding.flatMap((t) => t.paths))].filter((p) => !byPath.has(p))

  if (!input.dryRun) {
    for (const path of missingPaths) await byPath.ensure(path)
    await mapLimit(adding, 8, async ({ report, body, paths }) => {
      try {
        const departmentIds = paths.map((p) => byPath.get(p) as string)
        const added = await addMember(ctx, { ...body, departmentIds }, { action: 'member.imported' })
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
    })
    const added = reports.filter((r) => r.outcome === 'added').length
    await executeTransactWrite(
      auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'members.import', detail: `added=${added}` }),
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
