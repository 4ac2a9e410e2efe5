import {
  $add,
  $remove,
  ConditionCheck,
  DeleteTransaction,
  Entity,
  executeTransactWrite,
  item,
  number,
  PutTransaction,
  QueryCommand,
  string,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import type { Principal } from '../core/auth/principal.js'
import { failedConditions, retryOnConflict, StaleRead, type WriteItem } from '../core/db/conditions.js'
import { table } from '../core/db/table.js'
import { AppError, notFound } from '../core/errors.js'
import { newId } from '../core/ids.js'
import { foldName } from '../core/text.js'
import { auditWrite } from './audit.js'

/** A department; `childCount` and `memberCount` let the database refuse deleting a non-empty one. */
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
    childCount: number(),
    memberCount: number(),
  }),
  computeKey: ({ tenantId, deptId }: { tenantId: string; deptId: string }) => ({
    PK: `T#${tenantId}`,
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
  computeKey: ({ tenantId }: { tenantId: string }) => ({ PK: `T#${tenantId}`, SK: 'DEPT#~TREE' }),
})

/** A member's place in a department, for listing a department's members. */
const DeptMemberEntity = new Entity({
  name: 'DepartmentMember',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), deptId: string().key(), memberId: string().key() }),
  computeKey: ({ tenantId, deptId, memberId }: { tenantId: string; deptId: string; memberId: string }) => ({
    PK: `T#${tenantId}`,
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
  childCount: number
  memberCount: number
}

/** Every department and the tree version, in as few Query pages as the data needs (one for ~1,000). */
const snapshot = async (tenantId: string) => {
  const rows: Row[] = []
  let version = 0
  let start: Record<string, unknown> | undefined
  do {
    const { Items = [], LastEvaluatedKey } = await table
      .build(QueryCommand)
      .entities(DepartmentEntity, TreeEntity)
      .query({ partition: `T#${tenantId}`, range: { beginsWith: 'DEPT#' } })
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

export const departmentTree = async (tenantId: string): Promise<Department[]> => {
  const { rows } = await snapshot(tenantId)
  const nodes = new Map<string, Department>(
    rows.map((r) => [
      r.deptId,
      {
        deptId: r.deptId,
        name: r.name,
        parentId: r.parentId || null,
        order: r.order,
        headId: r.headId,
        memberCount: r.memberCount,
        children: [],
      },
    ]),
  )
  const roots: Department[] = []
  for (const node of nodes.values()) (node.parentId ? nodes.get(node.parentId)?.children : roots)?.push(node)
  const sort = (list: Department[]) => {
    list.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
    for (const d of list) sort(d.children)
  }
  sort(roots)
  return roots
}

/** The ids of a department's direct sub-departments. */
export const childIds = async (tenantId: string, deptId: string): Promise<string[]> =>
  (await snapshot(tenantId)).rows.filter((r) => r.parentId === deptId).map((r) => r.deptId)

/** The ids of a department and all below it. */
export const subtreeIds = async (tenantId: string, deptId: string): Promise<string[]> => {
  const { rows, byId } = await snapshot(tenantId)
  if (!byId.has(deptId)) throw notFound('department')
  const ids = [deptId]
  for (let i = 0; i < ids.length; i++) for (const r of rows) if (r.parentId === ids[i]) ids.push(r.deptId)
  return ids
}

const treeBump = (tenantId: string, version: number) =>
  version === 0
    ? TreeEntity.build(PutTransaction)
        .item({ tenantId, version: 1 })
        .options({ condition: { attr: 'version', exists: false } })
    : TreeEntity.build(UpdateTransaction)
        .item({ tenantId, version: $add(1) })
        .options({ condition: { attr: 'version', eq: version } })

const childCountWrite = (tenantId: string, deptId: string, delta: number) =>
  DepartmentEntity.build(UpdateTransaction)
    .item({ tenantId, deptId, childCount: $add(delta) })
    .options({ condition: { attr: 'deptId', exists: true } })

type Snapshot = Awaited<ReturnType<typeof snapshot>>

/**
 * Runs a change of the tree; a lost race on the tree version re-reads and tries again. `explain`
 * turns the failed conditions of `writes` (their indexes) into the caller's error.
 */
const reshape = async <T>(
  tenantId: string,
  fn: (
    snap: Snapshot,
  ) => Promise<{ writes: WriteItem[]; result: T; explain?: (failed: number[]) => AppError }>,
) =>
  retryOnConflict(async () => {
    const snap = await snapshot(tenantId)
    const { writes, result, explain } = await fn(snap)
    try {
      await executeTransactWrite(treeBump(tenantId, snap.version), ...writes)
    } catch (err) {
      const failed = failedConditions(err)
      if (failed.includes(0)) throw new StaleRead('the tree changed meanwhile')
      if (failed.length > 0) {
        throw (
          explain?.(failed.map((i) => i - 1)) ??
          new AppError('CONFLICT', 'the department changed meanwhile; retry')
        )
      }
      throw err
    }
    return result
  })

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

const parentOf = (snap: Awaited<ReturnType<typeof snapshot>>, parentId: string | null | undefined) => {
  if (!parentId) return ROOT
  if (!snap.byId.has(parentId)) {
    throw new AppError('VALIDATION_FAILED', 'unknown parent department', [
      { path: 'body.parentId', message: 'unknown department' },
    ])
  }
  return parentId
}

export const createDepartment = (
  tenantId: string,
  actor: Principal,
  input: { name: string; parentId?: string | null; order?: number },
) =>
  reshape(tenantId, async (snap) => {
    const parentId = parentOf(snap, input.parentId)
    refuseTakenName(snap, parentId, input.name, undefined, 'body.name')
    const dept = {
      tenantId,
      deptId: newId(),
      name: input.name,
      parentId,
      order: input.order ?? 0,
      childCount: 0,
      memberCount: 0,
    }
    return {
      writes: [
        DepartmentEntity.build(PutTransaction).item(dept),
        ...(parentId ? [childCountWrite(tenantId, parentId, 1)] : []),
        auditWrite(tenantId, {
          actorId: actor.accountId,
          action: 'department.created',
          targetId: dept.deptId,
        }),
      ],
      result: {
        deptId: dept.deptId,
        name: dept.name,
        parentId: parentId || null,
        order: dept.order,
        memberCount: 0,
        children: [],
      } as Department,
    }
  })

/** Moves a department (with everything below it); never under itself or one of its descendants. */
export const moveDepartment = (
  tenantId: string,
  actor: Principal,
  deptId: string,
  input: { parentId: string | null; order?: number },
) =>
  reshape(tenantId, async (snap) => {
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
    if (parentId !== dept.parentId) refuseTakenName(snap, parentId, dept.name, deptId, 'body.parentId')
    const writes: WriteItem[] = [
      DepartmentEntity.build(UpdateTransaction)
        .item({ tenantId, deptId, parentId, order: input.order ?? dept.order })
        .options({ condition: { attr: 'parentId', eq: dept.parentId } }),
    ]
    if (parentId !== dept.parentId) {
      if (dept.parentId) writes.push(childCountWrite(tenantId, dept.parentId, -1))
      if (parentId) writes.push(childCountWrite(tenantId, parentId, 1))
    }
    writes.push(
      auditWrite(tenantId, { actorId: actor.accountId, action: 'department.moved', targetId: deptId }),
    )
    return { writes, result: undefined }
  })

/** Renames, reorders or sets the head of a department (the head must be one of its members). */
export const updateDepartment = (
  tenantId: string,
  actor: Principal,
  deptId: string,
  input: { name?: string; order?: number; headId?: string | null },
) =>
  reshape(tenantId, async (snap) => {
    const dept = snap.byId.get(deptId)
    if (!dept) throw notFound('department')
    if (input.name !== undefined) refuseTakenName(snap, dept.parentId, input.name, deptId, 'body.name')
    const set: Record<string, unknown> = {}
    if (input.name !== undefined) set.name = input.name
    if (input.order !== undefined) set.order = input.order
    if (input.headId) set.headId = input.headId
    return {
      writes: [
        DepartmentEntity.build(UpdateTransaction)
          .item({ tenantId, deptId, ...set, ...(input.headId === null ? { headId: $remove() } : {}) })
          .options({ condition: { attr: 'deptId', exists: true } }),
        auditWrite(tenantId, { actorId: actor.accountId, action: 'department.updated', targetId: deptId }),
        ...(input.headId
          ? [
              DeptMemberEntity.build(ConditionCheck)
                .key({ tenantId, deptId, memberId: input.headId })
                .condition({ attr: 'memberId', exists: true }),
            ]
          : []),
      ],
      result: undefined,
      explain: (failed) =>
        failed.includes(2)
          ? new AppError('VALIDATION_FAILED', 'the head must be a member of the department', [
              { path: 'body.headId', message: 'not a member of this department' },
            ])
          : notFound('department'),
    }
  })

/** Deletes an empty department; the database refuses one that still has children or members. */
export const deleteDepartment = (tenantId: string, actor: Principal, deptId: string) =>
  reshape(tenantId, async (snap) => {
    const dept = snap.byId.get(deptId)
    if (!dept) throw notFound('department')
    if (dept.childCount > 0 || dept.memberCount > 0) {
      throw new AppError(
        'INVALID_STATE',
        'the department has sub-departments or members: move them first, or delete with moveTo',
      )
    }
    return {
      writes: [
        DepartmentEntity.build(DeleteTransaction)
          .key({ tenantId, deptId })
          .options({
            condition: {
              and: [
                { attr: 'childCount', eq: 0 },
                { attr: 'memberCount', eq: 0 },
              ],
            },
          }),
        ...(dept.parentId ? [childCountWrite(tenantId, dept.parentId, -1)] : []),
        auditWrite(tenantId, { actorId: actor.accountId, action: 'department.deleted', targetId: deptId }),
      ],
      result: undefined,
    }
  })

/** Writes that put a member in a department (the department must exist) or take them out. */
export const joinDepartmentWrites = (tenantId: string, deptId: string, memberId: string): WriteItem[] => [
  DeptMemberEntity.build(PutTransaction)
    .item({ tenantId, deptId, memberId })
    .options({ condition: { attr: 'memberId', exists: false } }),
  DepartmentEntity.build(UpdateTransaction)
    .item({ tenantId, deptId, memberCount: $add(1) })
    .options({ condition: { attr: 'deptId', exists: true } }),
]

export const leaveDepartmentWrites = (tenantId: string, deptId: string, memberId: string): WriteItem[] => [
  DeptMemberEntity.build(DeleteTransaction)
    .key({ tenantId, deptId, memberId })
    .options({ condition: { attr: 'memberId', exists: true } }),
  DepartmentEntity.build(UpdateTransaction)
    .item({ tenantId, deptId, memberCount: $add(-1) })
    .options({ condition: { attr: 'memberCount', gt: 0 } }),
]

/**
 * The members of these departments: a range read for one department, or, for several (a subtree),
 * one read of every department place of the tenant (bounded by its seats), filtered here.
 */
export const departmentMemberIds = async (tenantId: string, deptIds: string[]) => {
  const wanted = new Set(deptIds)
  const prefixes = wanted.size > 1 ? ['DMEMBER#'] : [...wanted].map((d) => `DMEMBER#${d}#`)
  const ids = new Set<string>()
  for (const prefix of prefixes) {
    let start: Record<string, unknown> | undefined
    do {
      const { Items = [], LastEvaluatedKey } = await table
        .build(QueryCommand)
        .entities(DeptMemberEntity)
        .query({ partition: `T#${tenantId}`, range: { beginsWith: prefix } })
        .options({ exclusiveStartKey: start as never })
        .send()
      for (const i of Items) if (wanted.has(i.deptId)) ids.add(i.memberId)
      start = LastEvaluatedKey
    } while (start)
  }
  return [...ids]
}
