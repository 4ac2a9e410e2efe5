import {
  $add,
  $delete,
  $remove,
  BatchGetCommand,
  BatchGetRequest,
  ConditionCheck,
  DeleteTransaction,
  Entity,
  executeBatchGet,
  GetItemCommand,
  item,
  number,
  PutTransaction,
  QueryCommand,
  record,
  set,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { mapLimit } from '../core/concurrency.js'
import { retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import { table } from '../core/db/table.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { foldName } from '../core/text.js'

/** How deep the tree may grow: a path names at most this many departments. */
export const MAX_DEPTH = 15

/**
 * A department. `childIds` (a set: absent when empty) lets a subtree be read level by level, only
 * its own items; with `memberCount` it lets the database refuse deleting a non-empty department.
 */
const DepartmentEntity = new Entity({
  name: 'Department',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    deptId: string().key(),
    name: string(),
    parentId: string(),
    order: number(),
    headId: string().optional(),
    childIds: set(string()).optional(),
    memberCount: number(),
  }),
  computeKey: ({ tenantId, deptId }: { tenantId: string; deptId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `DEPT#${deptId}`,
  }),
})

/**
 * The tree's version: every change of shape or of a name (create, move, rename, delete) is
 * conditioned on the version it was computed from and bumps it, so a cycle check or a sibling-name
 * check on a snapshot cannot be raced.
 */
const TreeEntity = new Entity({
  name: 'DepartmentTree',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), version: number() }),
  // Sorts after every department id, so one range read returns the tree and its version.
  computeKey: ({ tenantId }: { tenantId: string }) => ({ PK: tenantPartition(tenantId), SK: 'DEPT#~TREE' }),
})

/**
 * Every department's name by id, rewritten whole in each change of the tree (the tree's version
 * condition orders the writes): whatever shows a member's departments by name (an app's view of
 * the member) reads it in the same batch as the membership, whichever departments they are in.
 * Outside the `DEPT#` range, so reads of the tree do not carry it.
 */
const DepartmentNamesEntity = new Entity({
  name: 'DepartmentNames',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), names: record(string(), string()) }),
  computeKey: ({ tenantId }: { tenantId: string }) => ({ PK: tenantPartition(tenantId), SK: 'DEPTNAMES' }),
})

/** The names item stays well inside DynamoDB's 400 KB item limit: thousands of departments. */
const NAMES_BUDGET_BYTES = 350_000

/** A member's place in a department, for listing a department's members. */
const DeptMemberEntity = new Entity({
  name: 'DepartmentMember',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), deptId: string().key(), memberId: string().key() }),
  computeKey: ({ tenantId, deptId, memberId }: { tenantId: string; deptId: string; memberId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `DMEMBER#${deptId}#${memberId}`,
  }),
})

export const ROOT = ''

export interface Department {
  deptId: string
  name: string
  parentId: string | null
  order: number
  headId?: string
  memberCount: number
  children: Department[]
}

type Row = {
  deptId: string
  name: string
  parentId: string
  order: number
  headId?: string
  childIds?: Set<string>
  memberCount: number
}

const viewOf = (r: Row): Department => ({
  deptId: r.deptId,
  name: r.name,
  parentId: r.parentId || null,
  order: r.order,
  headId: r.headId,
  memberCount: r.memberCount,
  children: [],
})

/** Every department and the tree version, in as few Query pages as the data needs (one for ~1,000). */
const snapshot = async (scope: TenantScope) => {
  const rows: Row[] = []
  let version = 0
  let start: Record<string, unknown> | undefined
  do {
    const { Items = [], LastEvaluatedKey } = await table
      .build(QueryCommand)
      .entities(DepartmentEntity, TreeEntity)
      .query({ partition: tenantPartition(scope.tenantId), range: { beginsWith: 'DEPT#' } })
      .options({ consistent: true, exclusiveStartKey: start as never, showEntityAttr: true })
      .send()
    for (const i of Items as (Row & { entity: string; version?: number })[]) {
      if (i.entity === 'DepartmentTree') version = i.version ?? 0
      else rows.push(i)
    }
    start = LastEvaluatedKey
  } while (start)
  return { rows, version, byId: new Map(rows.map((r) => [r.deptId, r])) }
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>

export const departmentTree = async (scope: TenantScope): Promise<Department[]> => {
  const { rows } = await snapshot(scope)
  const nodes = new Map<string, Department>(rows.map((r) => [r.deptId, viewOf(r)]))
  const roots: Department[] = []
  for (const node of nodes.values()) (node.parentId ? nodes.get(node.parentId)?.children : roots)?.push(node)
  const sort = (list: Department[]) => {
    list.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
    for (const d of list) sort(d.children)
  }
  sort(roots)
  return roots
}

const getRow = async (scope: TenantScope, deptId: string) =>
  (
    await DepartmentEntity.build(GetItemCommand)
      .key({ tenantId: scope.tenantId, deptId })
      .options({ consistent: true })
      .send()
  ).Item

/** One department, without its sub-departments (see the tree for those). */
export const getDepartment = async (scope: TenantScope, deptId: string): Promise<Department> => {
  const row = await getRow(scope, deptId)
  if (!row) throw notFound('department')
  return viewOf(row)
}

const rowsByIds = async (scope: TenantScope, ids: string[]): Promise<Row[]> => {
  const rows: Row[] = []
  for (let i = 0; i < ids.length; i += 100) {
    const command = table
      .build(BatchGetCommand)
      .requests(
        ...ids
          .slice(i, i + 100)
          .map((deptId) => DepartmentEntity.build(BatchGetRequest).key({ tenantId: scope.tenantId, deptId })),
      )
      .options({ consistent: true })
    const { Responses } = await executeBatchGet({ maxAttempts: 5 }, command)
    for (const r of Responses?.[0] ?? []) if (r) rows.push(r as Row)
  }
  return rows
}

/**
 * The ids of a department and all below it, read level by level: only the subtree's own items,
 * one batch read per level (however large the rest of the tree is).
 */
export const subtreeIds = async (scope: TenantScope, deptId: string): Promise<string[]> => {
  const top = await getRow(scope, deptId)
  if (!top) throw notFound('department')
  const ids = [deptId]
  let level: Row[] = [top]
  while (level.length > 0) {
    const next = level.flatMap((r) => [...(r.childIds ?? [])])
    ids.push(...next)
    level = next.length > 0 ? await rowsByIds(scope, next) : []
  }
  return ids
}

/** The ids of a department's direct sub-departments. */
export const childIds = async (scope: TenantScope, deptId: string): Promise<string[]> => {
  const row = await getRow(scope, deptId)
  if (!row) throw notFound('department')
  return [...(row.childIds ?? [])]
}

/**
 * Each department's parent and name, and the version they were read at: rules that reach sub-departments
 * are computed from it and checked against the version when they are written.
 */
export const departmentParents = async (scope: TenantScope) => {
  const { rows, version } = await snapshot(scope)
  return {
    parentOf: new Map(rows.map((r) => [r.deptId, r.parentId])),
    nameOf: new Map(rows.map((r) => [r.deptId, r.name])),
    version,
  }
}

/** A department and every one below it, from the parent links (no reads). */
export const subtreeFrom = (parentOf: ReadonlyMap<string, string>) => {
  const children = new Map<string, string[]>()
  for (const [id, parent] of parentOf) children.set(parent, [...(children.get(parent) ?? []), id])
  const below = (id: string, seen: Set<string>): string[] => {
    if (seen.has(id)) return []
    seen.add(id)
    return [id, ...(children.get(id) ?? []).flatMap((c) => below(c, seen))]
  }
  return (ids: Iterable<string>) => {
    const seen = new Set<string>()
    return [...ids].flatMap((id) => below(id, seen))
  }
}

/** A transaction item that only checks the tree is still at the version read. */
export const treeUnchanged = ({ tenantId }: TenantScope, version: number) =>
  TreeEntity.build(ConditionCheck)
    .key({ tenantId })
    .condition(version === 0 ? { attr: 'version', exists: false } : { attr: 'version', eq: version })

const treeBump = ({ tenantId }: TenantScope, version: number) =>
  version === 0
    ? TreeEntity.build(PutTransaction)
        .item({ tenantId, version: 1 })
        .options({ condition: { attr: 'version', exists: false } })
    : TreeEntity.build(UpdateTransaction)
        .item({ tenantId, version: $add(1) })
        .options({ condition: { attr: 'version', eq: version } })

const childWrite = ({ tenantId }: TenantScope, parentId: string, child: string, op: 'add' | 'delete') =>
  DepartmentEntity.build(UpdateTransaction)
    .item({
      tenantId,
      deptId: parentId,
      childIds: op === 'add' ? $add(new Set([child])) : $delete(new Set([child])),
    })
    .options({ condition: { attr: 'deptId', exists: true } })

/**
 * Runs a change of the tree; a lost race on the tree version re-reads and tries again. The
 * change's labelled writes come with the errors their failed conditions mean.
 */
const reshape = async <T>(
  scope: TenantScope,
  fn: (snap: Snapshot) => Promise<{
    writes: [string, WriteItem[]][]
    result: T
    explain?: Record<string, () => Error>
    /** a department's new name, or (no name) its removal */
    named?: { deptId: string; name?: string }
  }>,
) =>
  retryOnConflict(async () => {
    const snap = await snapshot(scope)
    const { writes, result, explain, named } = await fn(snap)
    const tx = transaction()
      .add('tree', treeBump(scope, snap.version))
      .add('names', namesWrite(scope, snap, named))
    for (const [label, items] of writes) tx.add(label, ...items)
    await tx.run({
      tree: () => new StaleRead('the tree changed meanwhile'),
      ...explain,
      department: () => new AppError('CONFLICT', 'the department changed meanwhile; retry'),
    })
    return result
  })

/** Every name as the change leaves it (written whole: an item written before names were kept heals). */
const namesWrite = ({ tenantId }: TenantScope, snap: Snapshot, named?: { deptId: string; name?: string }) => {
  const names = new Map(snap.rows.map((r) => [r.deptId, r.name]))
  if (named?.name !== undefined) names.set(named.deptId, named.name)
  else if (named) names.delete(named.deptId)
  let bytes = 0
  for (const [id, name] of names) bytes += id.length + Buffer.byteLength(name)
  if (named?.name !== undefined && bytes > NAMES_BUDGET_BYTES) {
    throw new AppError('PLAN_LIMIT_EXCEEDED', 'the workbench holds as many departments as it can')
  }
  return DepartmentNamesEntity.build(PutTransaction).item({ tenantId, names: Object.fromEntries(names) })
}

/** Department names by id, for a batch read (see DepartmentNamesEntity). */
export const departmentNamesRequest = (tenantId: string) =>
  DepartmentNamesEntity.build(BatchGetRequest).key({ tenantId })
export const departmentNamesOf = (item: { names?: unknown } | undefined): Record<string, string> =>
  (item?.names as Record<string, string> | undefined) ?? {}

/** Sibling departments never share a name, so a path ("Plant 1/Assembly") names one department. */
const refuseTakenName = (
  snap: Snapshot,
  parentId: string,
  name: string,
  self: string | undefined,
  field: string,
) => {
  const folded = foldName(name)
  if (snap.rows.some((r) => r.parentId === parentId && r.deptId !== self && foldName(r.name) === folded)) {
    throw new AppError('ALREADY_EXISTS', `a department named "${name}" is already there`, [
      { path: field, message: 'a sibling department has this name' },
    ])
  }
}

const depthOf = (snap: Snapshot, deptId: string) => {
  let depth = 0
  for (let at = deptId; at; at = snap.byId.get(at)?.parentId ?? ROOT) depth++
  return depth
}

/** Levels below a department, itself included (1 for a leaf). */
const heightOf = (snap: Snapshot, deptId: string): number =>
  1 + Math.max(0, ...[...(snap.byId.get(deptId)?.childIds ?? [])].map((c) => heightOf(snap, c)))

const tooDeep = (field: string) =>
  new AppError('VALIDATION_FAILED', `departments nest at most ${MAX_DEPTH} levels deep`, [
    { path: field, message: `deeper than ${MAX_DEPTH} levels` },
  ])

const parentOf = (snap: Snapshot, parentId: string | null | undefined) => {
  if (!parentId) return ROOT
  if (!snap.byId.has(parentId)) {
    throw new AppError('VALIDATION_FAILED', 'unknown parent department', [
      { path: 'body.parentId', message: 'unknown department' },
    ])
  }
  return parentId
}

export const createDepartment = (
  ctx: TenantContext,
  input: { name: string; parentId?: string | null; order?: number },
) =>
  reshape(ctx, async (snap) => {
    const parentId = parentOf(snap, input.parentId)
    if (parentId && depthOf(snap, parentId) >= MAX_DEPTH) throw tooDeep('body.parentId')
    refuseTakenName(snap, parentId, input.name, undefined, 'body.name')
    const dept = {
      tenantId: ctx.tenantId,
      deptId: newId(),
      name: input.name,
      parentId,
      order: input.order ?? 0,
      memberCount: 0,
    }
    return {
      writes: [
        ['department', [DepartmentEntity.build(PutTransaction).item(dept)]],
        ['parent', parentId ? [childWrite(ctx, parentId, dept.deptId, 'add')] : []],
        [
          'audit',
          [
            auditWrite(ctx, {
              actorId: ctx.actor.accountId,
              action: 'department.created',
              targetId: dept.deptId,
            }),
          ],
        ],
      ],
      result: viewOf(dept),
      named: { deptId: dept.deptId, name: dept.name },
    }
  })

/** Moves a department (with everything below it); never under itself or one of its descendants. */
export const moveDepartment = (
  ctx: TenantContext,
  deptId: string,
  input: { parentId: string | null; order?: number },
) =>
  reshape(ctx, async (snap) => {
    const dept = snap.byId.get(deptId)
    if (!dept) throw notFound('department')
    const parentId = parentOf(snap, input.parentId)
    for (let at = parentId; at; at = snap.byId.get(at)?.parentId ?? ROOT) {
      if (at === deptId) {
        throw new AppError(
          'VALIDATION_FAILED',
          'a department cannot move under itself or its own sub-department',
          [{ path: 'body.parentId', message: 'would make a cycle' }],
        )
      }
    }
    if ((parentId ? depthOf(snap, parentId) : 0) + heightOf(snap, deptId) > MAX_DEPTH)
      throw tooDeep('body.parentId')
    if (parentId !== dept.parentId) refuseTakenName(snap, parentId, dept.name, deptId, 'body.parentId')
    const moved = parentId !== dept.parentId
    return {
      writes: [
        [
          'department',
          [
            DepartmentEntity.build(UpdateTransaction)
              .item({ tenantId: ctx.tenantId, deptId, parentId, order: input.order ?? dept.order })
              .options({ condition: { attr: 'parentId', eq: dept.parentId } }),
          ],
        ],
        ['old-parent', moved && dept.parentId ? [childWrite(ctx, dept.parentId, deptId, 'delete')] : []],
        ['new-parent', moved && parentId ? [childWrite(ctx, parentId, deptId, 'add')] : []],
        [
          'audit',
          [auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'department.moved', targetId: deptId })],
        ],
      ],
      result: undefined,
    }
  })

/** Renames, reorders or sets the head of a department (the head must be one of its members). */
export const updateDepartment = (
  ctx: TenantContext,
  deptId: string,
  input: { name?: string; order?: number; headId?: string | null },
) =>
  reshape(ctx, async (snap) => {
    const dept = snap.byId.get(deptId)
    if (!dept) throw notFound('department')
    if (input.name !== undefined) refuseTakenName(snap, dept.parentId, input.name, deptId, 'body.name')
    const changes: Record<string, unknown> = {}
    if (input.name !== undefined) changes.name = input.name
    if (input.order !== undefined) changes.order = input.order
    if (input.headId) changes.headId = input.headId
    if (input.headId === null) changes.headId = $remove()
    return {
      writes: [
        [
          'department',
          [
            DepartmentEntity.build(UpdateTransaction)
              .item({ tenantId: ctx.tenantId, deptId, ...changes })
              .options({ condition: { attr: 'deptId', exists: true } }),
          ],
        ],
        [
          'audit',
          [auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'department.updated', targetId: deptId })],
        ],
        [
          'head',
          input.headId
            ? [
                DeptMemberEntity.build(ConditionCheck)
                  .key({ tenantId: ctx.tenantId, deptId, memberId: input.headId })
                  .condition({ attr: 'memberId', exists: true }),
              ]
            : [],
        ],
      ],
      result: undefined,
      named: { deptId, name: input.name ?? dept.name },
      explain: {
        head: () =>
          new AppError('VALIDATION_FAILED', 'the head must be a member of the department', [
            { path: 'body.headId', message: 'not a member of this department' },
          ]),
        department: () => notFound('department'),
      },
    }
  })

/** Deletes an empty department; the database refuses one that still has children or members. */
export const deleteDepartment = (ctx: TenantContext, deptId: string) =>
  reshape(ctx, async (snap) => {
    const dept = snap.byId.get(deptId)
    if (!dept) throw notFound('department')
    if ((dept.childIds?.size ?? 0) > 0 || dept.memberCount > 0) {
      throw new AppError(
        'INVALID_STATE',
        'the department has sub-departments or members: move them first, or delete with moveTo',
      )
    }
    return {
      writes: [
        [
          'department',
          [
            DepartmentEntity.build(DeleteTransaction)
              .key({ tenantId: ctx.tenantId, deptId })
              .options({
                condition: {
                  and: [
                    { attr: 'childIds', exists: false },
                    { attr: 'memberCount', eq: 0 },
                  ],
                },
              }),
          ],
        ],
        ['parent', dept.parentId ? [childWrite(ctx, dept.parentId, deptId, 'delete')] : []],
        [
          'audit',
          [auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'department.deleted', targetId: deptId })],
        ],
      ],
      result: undefined,
      named: { deptId },
    }
  })

/** Writes that put a member in a department (the department must exist) or take them out. */
export const joinDepartmentWrites = (
  { tenantId }: TenantScope,
  deptId: string,
  memberId: string,
): WriteItem[] => [
  DeptMemberEntity.build(PutTransaction)
    .item({ tenantId, deptId, memberId })
    .options({ condition: { attr: 'memberId', exists: false } }),
  DepartmentEntity.build(UpdateTransaction)
    .item({ tenantId, deptId, memberCount: $add(1) })
    .options({ condition: { attr: 'deptId', exists: true } }),
]

export const leaveDepartmentWrites = (
  { tenantId }: TenantScope,
  deptId: string,
  memberId: string,
): WriteItem[] => [
  DeptMemberEntity.build(DeleteTransaction)
    .key({ tenantId, deptId, memberId })
    .options({ condition: { attr: 'memberId', exists: true } }),
  DepartmentEntity.build(UpdateTransaction)
    .item({ tenantId, deptId, memberCount: $add(-1) })
    .options({ condition: { attr: 'memberCount', gt: 0 } }),
]

/** A transaction item that only checks a department exists (an invitation that names one). */
export const departmentExists = ({ tenantId }: TenantScope, deptId: string) =>
  DepartmentEntity.build(ConditionCheck).key({ tenantId, deptId }).condition({ attr: 'deptId', exists: true })

/** The members of these departments: a range read of each one's places, a few at a time. */
export const departmentMemberIds = async (scope: TenantScope, deptIds: string[]) => {
  const places = await mapLimit([...new Set(deptIds)], 8, (deptId) =>
    queryAll(DeptMemberEntity, {
      partition: tenantPartition(scope.tenantId),
      prefix: `DMEMBER#${deptId}#`,
      consistent: true,
    }),
  )
  return [...new Set(places.flat().map((p) => p.memberId))]
}
