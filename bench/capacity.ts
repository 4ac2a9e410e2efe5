import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { TABLE } from '../lib/core/db/table-definition.js'

/**
 * DynamoDB's capacity rules, from AWS's documentation ("Item sizes and formats", "Read and write
 * operations", "Capacity management for transactions", "Global secondary indexes: write
 * capacity"), for what DynamoDB Local does not report as AWS bills it. See docs/benchmarks.md.
 */

export type Image = Record<string, AttributeValue>

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8')

/** A number's digits without sign, exponent, point and leading/trailing zeros: 1 byte per 2, plus 1. */
const numberBytes = (n: string): number => {
  const digits = (n.replace(/^-/, '').split(/e/i)[0] ?? '').replace('.', '').replace(/^0+|0+$/g, '')
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1
}

const valueBytes = (v: AttributeValue): number => {
  if (v.S !== undefined) return utf8(v.S)
  if (v.N !== undefined) return numberBytes(v.N)
  if (v.B !== undefined) return v.B.length
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + utf8(s), 0)
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + numberBytes(s), 0)
  if (v.BS !== undefined) return v.BS.reduce((n, b) => n + b.length, 0)
  // a list or map costs 3 bytes, and each element 1 more than its own size
  if (v.L !== undefined) return 3 + v.L.reduce((n, e) => n + valueBytes(e) + 1, 0)
  if (v.M !== undefined)
    return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + utf8(k) + valueBytes(e) + 1, 0)
  throw new Error(`unknown attribute value ${JSON.stringify(v)}`)
}

/** An item's size as DynamoDB counts it: names plus values. */
export const itemBytes = (item: Image): number =>
  Object.entries(item).reduce((n, [name, v]) => n + utf8(name) + valueBytes(v), 0)

/** Write units of one item write: 1 per KB started, at least 1. */
const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024))

const indexes = Object.values(TABLE.indexes)
const inIndex = (item: Image | undefined, index: (typeof indexes)[number]) =>
  item?.[index.partitionKey] !== undefined && item[index.sortKey] !== undefined
const sameKey = (a: Image, b: Image, index: (typeof indexes)[number]) =>
  JSON.stringify([a[index.partitionKey], a[index.sortKey]]) ===
  JSON.stringify([b[index.partitionKey], b[index.sortKey]])

export type WriteKind = 'put' | 'update' | 'delete' | 'check'

/**
 * Units one write consumes on the table and on the indexes (every index projects ALL, so an entry
 * is the whole item). An item entering an index is one index write, leaving it one, moving within
 * it (a key changed) two, staying with other attributes changed one. A condition check writes no
 * index. A transaction doubles the table part (prepare and commit); see `transactionUnits`.
 */
export const writeUnits = (kind: WriteKind, before: Image | undefined, after: Image | undefined) => {
  const b = before ? itemBytes(before) : 0
  const a = after ? itemBytes(after) : 0
  const table = kind === 'delete' || kind === 'check' ? kb(b) : kb(Math.max(a, b))
  if (kind === 'check' || JSON.stringify(before) === JSON.stringify(after)) return { table, index: 0 }
  let index = 0
  for (const i of indexes) {
    const was = inIndex(before, i)
    const is = inIndex(after, i)
    if (was && is) index += sameKey(before as Image, after as Image, i) ? kb(Math.max(a, b)) : kb(a) + kb(b)
    else if (was) index += kb(b)
    else if (is) index += kb(a)
  }
  return { table, index }
}

/**
 * AWS documents two underlying writes per item of a transaction (prepare, commit). Index entries
 * are propagated after the commit, like any index write, so they are counted once; a run can
 * report how much the total would grow if AWS doubled them too (`index`).
 */
export const transactionUnits = (writes: { table: number; index: number }[]) => ({
  table: 2 * writes.reduce((n, w) => n + w.table, 0),
  index: writes.reduce((n, w) => n + w.index, 0),
})

/** One action of a write request: its kind and the primary key it targets. */
interface Action {
  kind: WriteKind
  table: string
  key: Image
}

type DocValue = string | { S?: string } | undefined
const keyOf = (item: Record<string, DocValue>): Image => {
  const attr = (name: string) => {
    const v = item[name]
    return { S: typeof v === 'string' ? v : (v?.S ?? '') }
  }
  return { [TABLE.partitionKey]: attr(TABLE.partitionKey), [TABLE.sortKey]: attr(TABLE.sortKey) }
}

type Write = { TableName: string; Item?: Record<string, DocValue>; Key?: Record<string, DocValue> }
const actionOf = (kind: WriteKind, w: Write): Action => ({
  kind,
  table: w.TableName,
  key: keyOf((w.Item ?? w.Key) as Record<string, DocValue>),
})

/** The actions of the write commands whose units are computed here, from their document input. */
const actionsOf = (command: string, input: Record<string, unknown>): Action[] | undefined => {
  if (command === 'PutItemCommand') return [actionOf('put', input as unknown as Write)]
  if (command === 'UpdateItemCommand') return [actionOf('update', input as unknown as Write)]
  if (command === 'DeleteItemCommand') return [actionOf('delete', input as unknown as Write)]
  if (command !== 'TransactWriteItemsCommand') return undefined
  return (input.TransactItems as Record<string, Write>[]).map((t) => {
    if (t.Put) return actionOf('put', t.Put)
    if (t.Update) return actionOf('update', t.Update)
    if (t.Delete) return actionOf('delete', t.Delete)
    return actionOf('check', t.ConditionCheck as Write)
  })
}

type Consumed = { CapacityUnits?: number }
const reportedUnits = (c: Consumed | Consumed[] | undefined) =>
  c === undefined ? undefined : [c].flat().reduce((n, x) => n + (x.CapacityUnits ?? 0), 0)

export interface CommandAudit {
  requests: number
  /** requests DynamoDB Local answered with a ConsumedCapacity */
  reported: number
  /** the units Local reported */
  localUnits: number
  /** the units AWS's rules give (Local's figure where it follows them) */
  awsUnits: number
  /** index part of awsUnits for transactions (counted once; see transactionUnits) */
  transactionIndexUnits: number
  /** single-item writes: units from item sizes, to check the size rules against Local */
  sizeRuleUnits: number
}

export const READ_COMMANDS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
])

/**
 * Watches every request of the application's client and keeps, per command, the units DynamoDB
 * Local reported next to the units AWS would bill:
 * - TransactWriteItems from item sizes (images read before and after, outside the app's client):
 *   Local reports twice what AWS documents;
 * - BatchGetItem plus a read unit (half, eventually consistent) per key that found nothing, and a
 *   Query that found nothing at least that minimum: Local reports 0 for both;
 * - everything else as Local reports it (the calibration shows where it agrees with the rules).
 * Single-item writes are also sized here (`sizeRuleUnits`) to check the size rules against Local.
 * The reads of images take time the handlers did not: `auditMs` says how much, to subtract.
 */
export const auditCapacity = (client: DynamoDBDocumentClient, endpoint: string | undefined) => {
  const images = new DynamoDBClient({
    region: 'us-east-1',
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  })
  const byCommand: Record<string, CommandAudit> = {}
  let auditMs = 0
  const read = async (actions: Action[]) => {
    const started = performance.now()
    const items = await Promise.all(
      actions.map(
        async (a) =>
          (await images.send(new GetItemCommand({ TableName: a.table, Key: a.key, ConsistentRead: true })))
            .Item,
      ),
    )
    auditMs += performance.now() - started
    return items
  }
  const name = 'atriumCapacityAudit'
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown'
      const input = args.input as Record<string, unknown>
      const entry = byCommand[command] ?? {
        requests: 0,
        reported: 0,
        localUnits: 0,
        awsUnits: 0,
        transactionIndexUnits: 0,
        sizeRuleUnits: 0,
      }
      byCommand[command] = entry
      entry.requests++
      const actions = actionsOf(command, input)
      const before = actions ? await read(actions) : []
      const result = await next(args)
      const output = result.output as Record<string, unknown>
      const local = reportedUnits(output.ConsumedCapacity as Consumed | Consumed[] | undefined)
      if (local === undefined) return result
      entry.reported++
      entry.localUnits += local
      let aws = local
      if (actions) {
        const after = await read(actions)
        const writes = actions.map((a, i) => writeUnits(a.kind, before[i], after[i]))
        if (command === 'TransactWriteItemsCommand') {
          const units = transactionUnits(writes)
          aws = units.table + units.index
          entry.transactionIndexUnits += units.index
        } else entry.sizeRuleUnits += writes.reduce((n, w) => n + w.table + w.index, 0)
      }
      if (command === 'BatchGetItemCommand') aws += missingKeyUnits(input, output)
      if (command === 'QueryCommand' && local === 0) aws = input.ConsistentRead ? 1 : 0.5
      entry.awsUnits += aws
      return result
    },
    { step: 'initialize', name },
  )
  return {
    byCommand: (): Record<string, CommandAudit> =>
      Object.fromEntries(Object.entries(byCommand).map(([k, v]) => [k, { ...v }])),
    auditMs: () => auditMs,
    stop: () => {
      client.middlewareStack.remove(name)
      images.destroy()
    },
  }
}

/** AWS charges a read of a key that holds no item: 1 unit strongly consistent, 0.5 eventually. */
const missingKeyUnits = (input: Record<string, unknown>, output: Record<string, unknown>) => {
  const asked = input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>
  const found = (output.Responses ?? {}) as Record<string, unknown[]>
  const left = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>
  return Object.entries(asked).reduce((n, [table, { Keys, ConsistentRead }]) => {
    const missing = Keys.length - (found[table]?.length ?? 0) - (left[table]?.Keys?.length ?? 0)
    return n + missing * (ConsistentRead ? 1 : 0.5)
  }, 0)
}
