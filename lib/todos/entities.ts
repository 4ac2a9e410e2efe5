import { boolean, Entity, item, number, string } from 'dynamodb-toolbox'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'

/**
 * A todo in its owner's list. GSI1 `T#<id>#TODOS#<ownerId>` / `<0 open | 1 done>#<due or ~>#<todoId>`:
 * the todo centre is one range read, open ones first by due date (none last). GSI2
 * `T#<id>#TODOSBY#<assignerId>` / `<createdAt>#<todoId>`, only on todos a colleague assigned: what
 * someone assigned, newest first. An app's todo carries the app's name and icon as they were when
 * it last wrote it (the list reads nothing else), its id for it and the link back.
 */
export const TodoEntity = new Entity({
  name: 'Todo',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    todoId: string().key(),
    ownerId: string(),
    title: string(),
    notes: string().optional(),
    due: string().optional(),
    done: boolean(),
    doneAt: string().optional(),
    createdAt: string(),
    createdBy: string(),
    updatedAt: string(),
    assignedBy: string().optional(),
    appCode: string().optional(),
    appName: string().optional(),
    appIcon: string().optional(),
    externalId: string().optional(),
    link: string().optional(),
    /** moves on with every write: a change computed from a read is conditioned on it */
    rev: number(),
    GSI1PK: string(),
    GSI1SK: string(),
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
  }),
  computeKey: ({ tenantId, todoId }: { tenantId: string; todoId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `TODO#${todoId}`,
  }),
})

/** A member's open todos, counted in every transaction that opens or closes one. */
export const TodoCountEntity = new Entity({
  name: 'TodoCount',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), memberId: string().key(), open: number() }),
  computeKey: ({ tenantId, memberId }: { tenantId: string; memberId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `TODOCOUNT#${memberId}`,
  }),
})

export const centrePartition = (tenantId: string, ownerId: string) =>
  tenantIndexPartition(tenantId, 'TODOS', ownerId)

export const centreSortKey = (t: { done: boolean; due?: string; todoId: string }) =>
  `${t.done ? 1 : 0}#${t.due ?? '~'}#${t.todoId}`

export const assignedPartition = (tenantId: string, assignerId: string) =>
  tenantIndexPartition(tenantId, 'TODOSBY', assignerId)
