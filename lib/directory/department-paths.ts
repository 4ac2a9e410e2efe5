import { AppError } from '../core/errors.js'
import type { TenantContext } from '../core/tenancy.js'
import { foldName } from '../core/text.js'
import { createDepartment, type Department, departmentTree, MAX_DEPTH } from './departments.js'
import { DepartmentName } from './schemas.js'

/** Each department's path ("Plant 1/Assembly"), by id, over the tree as it is. */
export const departmentPaths = (tree: Department[]) => {
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

/**
 * The department paths of a file's cell ("Plant 1/Assembly; Office"), tidied ("Plant 1 / Assembly"
 * reads as "Plant 1/Assembly"), or why the cell is refused.
 */
export const parsePaths = (cell: string): { paths: string[] } | { reason: string } => {
  const paths = cell
    .split(';')
    .map((p) =>
      p
        .split('/')
        .map((s) => s.trim())
        .filter(Boolean)
        .join('/'),
    )
    .filter(Boolean)
  const deepest = Math.max(0, ...paths.map((p) => p.split('/').length))
  if (deepest > MAX_DEPTH) return { reason: `${deepest} levels deep; departments nest at most ${MAX_DEPTH}` }
  for (const name of paths.flatMap((p) => p.split('/'))) {
    const checked = DepartmentName.safeParse(name)
    if (!checked.success) return { reason: `"${name}": ${checked.error.issues[0]?.message}` }
  }
  return { paths }
}

/** Every prefix of a path, top down: "A/B/C" → "A", "A/B", "A/B/C". */
export const prefixesOf = (path: string) =>
  path.split('/').map((_, i, names) => names.slice(0, i + 1).join('/'))

/**
 * How many departments one import call creates at most. Each is its own transaction after a fresh
 * read of the whole tree (sibling names and the tree version are checked against it), so each
 * costs more as the tree grows: ~50 ms with a few departments, ~115 ms with 1,000 (measured on
 * DynamoDB Local). 100 keep a call near 12 s at 1,000 departments, inside the 29 s an API call
 * has, with room for the member import's own rows. A larger file is run again: what exists is
 * left as it is, so nothing is created twice.
 */
export const MAX_NEW_DEPARTMENTS = 100

/**
 * The departments an import will create, row by row in file order, within the budget of one
 * call: a row whose paths would take it past the budget (and every row after it that needs new
 * departments) waits for the next run.
 */
export const departmentPlan = (existing: { has: (path: string) => boolean }) => {
  const planned = new Set<string>()
  let full = false
  return {
    /** Plans what the paths still lack and says how many departments that is, or why the row waits. */
    take: (paths: string[]): { creates: number } | { reason: string } => {
      const missing = new Set(
        paths
          .flatMap(prefixesOf)
          .filter((p) => !existing.has(p))
          .map(foldName)
          .filter((p) => !planned.has(p)),
      )
      if (missing.size === 0) return { creates: 0 }
      full ||= planned.size + missing.size > MAX_NEW_DEPARTMENTS
      if (full) {
        return {
          reason: `one import creates at most ${MAX_NEW_DEPARTMENTS} departments: run the file again to create the rest`,
        }
      }
      for (const p of missing) planned.add(p)
      return { creates: missing.size }
    },
  }
}

/**
 * The tenant's departments by path, compared as names are (sibling names are unique, so a path
 * names at most one department), and a way to create what a path still lacks.
 */
export const departmentsByPath = async (ctx: TenantContext) => {
  const ids = new Map<string, string>()
  const load = async () => {
    ids.clear()
    for (const [id, path] of departmentPaths(await departmentTree(ctx))) ids.set(foldName(path), id)
  }
  await load()
  return {
    has: (path: string) => ids.has(foldName(path)),
    get: (path: string) => ids.get(foldName(path)),
    /** Creates the departments along a path that do not exist yet; says how many it created. */
    ensure: async (path: string) => {
      let parentId: string | undefined
      let created = 0
      for (const prefix of prefixesOf(path)) {
        let id = ids.get(foldName(prefix))
        if (!id) {
          const name = prefix.split('/').at(-1) as string
          try {
            id = (await createDepartment(ctx, { name, parentId })).deptId
            created++
          } catch (err) {
            // Someone else created it meanwhile (another import, an admin): use theirs.
            if (!(err instanceof AppError && err.code === 'ALREADY_EXISTS')) throw err
            await load()
            id = ids.get(foldName(prefix))
            if (!id) throw err
          }
          ids.set(foldName(prefix), id)
        }
        parentId = id
      }
      return { deptId: parentId as string, created }
    },
  }
}
