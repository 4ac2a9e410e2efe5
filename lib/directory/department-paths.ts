import { AppError } from '../core/errors.js'
import type { TenantContext } from '../core/tenancy.js'
import { foldName } from '../core/text.js'
import { createDepartment, type Department, departmentTree } from './departments.js'
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
