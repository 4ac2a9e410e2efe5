import { isDeepStrictEqual } from 'node:util'
import { $delete, UpdateItemCommand } from 'dynamodb-toolbox'
import { EntitlementEntity, holdersPartition } from '../access/records.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryAll } from '../core/db/pagination.js'
import type { ItemChange } from '../core/stream-function.js'
import { MAX_USERS_PER_CALL, revokeFlag } from './kit-bodies.js'
import type { Settings } from './pump.js'
import { enqueue } from './queue.js'
import { type DeliveryInput, ProvisioningEntity, type WakeAction } from './records.js'

const TENANT_PARTITION = /^T#([^#]+)$/
export const tenantOfChange = (c: ItemChange) => TENANT_PARTITION.exec(c.pk)?.[1]
const kindOf = (c: ItemChange) => (c.sk.includes('#') ? c.sk.slice(0, c.sk.indexOf('#')) : c.sk)

/** A membership's own fields, without the app map its entitlements keep (those reach providers as ENT changes). */
const memberFields = (image?: Record<string, unknown>) => {
  const { apps: _, ...fields } = image ?? {}
  return fields
}

/** Whether a change is one a provider hears of (the event source filters the same way first). */
export const concernsProvisioning = (c: ItemChange): boolean => {
  if (!tenantOfChange(c)) return false
  switch (kindOf(c)) {
    case 'PROV':
      return c.event !== 'REMOVE' && c.after?.wake !== undefined
    case 'ENT':
    case 'DEPT':
      return c.sk !== 'DEPT#~TREE'
    case 'MEMBER':
      return c.event === 'MODIFY' && !isDeepStrictEqual(memberFields(c.before), memberFields(c.after))
    case 'TENANT':
      return c.event === 'MODIFY'
    case 'APP':
      return c.event !== 'INSERT'
    case 'APPATTR':
      return c.event !== 'REMOVE'
    default:
      return false
  }
}

const chunks = <T>(list: T[], size: number) =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size))

const holders = async (tenantId: string, appId: string) =>
  (
    await queryAll(EntitlementEntity, {
      index: 'GSI1',
      partition: holdersPartition(tenantId, appId),
      prefix: 'E#',
    })
  ).map((e) => e.memberId)

const usersOf = (flag: DeliveryInput['flag'], memberIds: string[]): DeliveryInput[] =>
  chunks(memberIds, MAX_USERS_PER_CALL).map((ids) => ({ kind: 'users' as const, flag, memberIds: ids }))

const versionOf = (s: Settings) => (s.dialect === 'workbench-v1' ? 'v1' : 'v2')

/** What an admin's request asks the provider to receive, in the protocol's order (C.10). */
const wakeDeliveries = async (s: Settings, action: WakeAction): Promise<DeliveryInput[]> => {
  switch (action) {
    case 'bind':
    case 'resync':
      return [
        { kind: 'tenant', flag: 1 },
        { kind: 'application', flag: 1 },
        { kind: 'allOrg' },
        ...usersOf(1, await holders(s.tenantId, s.appId)),
      ]
    case 'secret':
      // v1 has no modify of the credentials: delete, then add (Q8)
      return versionOf(s) === 'v1'
        ? [
            { kind: 'application', flag: 0 },
            { kind: 'application', flag: 1 },
          ]
        : [{ kind: 'application', flag: 2 }]
    case 'unbind':
      return [
        ...usersOf(revokeFlag(versionOf(s)), await holders(s.tenantId, s.appId)),
        { kind: 'application', flag: 0 },
        { kind: 'tenant', flag: 0 },
        { kind: 'unbound' },
      ]
    default:
      return []
  }
}

const bindingsOf = async (tenantId: string) =>
  (await queryAll(ProvisioningEntity, { partition: tenantPartition(tenantId), prefix: 'PROV#' })).filter(
    (s) => !s.unbinding,
  )

const entitledApps = async (tenantId: string, memberId: string) =>
  (
    await queryAll(EntitlementEntity, { partition: tenantPartition(tenantId), prefix: `ENT#${memberId}#` })
  ).flatMap((e) => (e.state === 'entitled' ? [e.appId] : []))

const deptOf = (image: Record<string, unknown> | undefined) => ({
  deptId: String(image?.deptId ?? ''),
  name: String(image?.name ?? ''),
  parentId: String(image?.parentId ?? ''),
})

/**
 * Turns one tenant's changes into deliveries, app by app, in stream order: grants and seats
 * (entitlements) become user adds and revocations, a member's change a user modify for each app
 * they hold, a department's change an org sync to every bound app, a tenant's rename a tenant
 * modify (v2), an app's approved fields a modify of its users, its removal the unbinding. What an
 * admin asked (bind, resync, a new secret, unbind) is queued, then taken off the setting. The
 * queued deliveries come back through the stream to the sender (sending.ts).
 */
export const provisioningChanges = async (tenantId: string, changes: ItemChange[]) => {
  const queued = new Map<string, DeliveryInput[]>()
  /** Appends to an app's deliveries; user changes of one flag join the last one, up to a call's 500. */
  const add = (appId: string, ...deliveries: DeliveryInput[]) => {
    const list = queued.get(appId) ?? []
    for (const d of deliveries) {
      const last = list.at(-1)
      const joins =
        d.kind === 'users' &&
        last?.kind === 'users' &&
        last.flag === d.flag &&
        (last.memberIds?.length ?? 0) + (d.memberIds?.length ?? 0) <= MAX_USERS_PER_CALL
      if (joins) last.memberIds = [...new Set([...(last.memberIds ?? []), ...(d.memberIds ?? [])])]
      else list.push({ ...d, memberIds: d.memberIds && [...d.memberIds] })
    }
    queued.set(appId, list)
  }
  const acted: { appId: string; actions: Set<string> }[] = []
  const directory = changes.filter((c) => kindOf(c) !== 'PROV')
  const bindings = directory.length > 0 ? await bindingsOf(tenantId) : []
  const bound = new Map(bindings.map((s) => [s.appId, s]))

  for (const c of changes) {
    const kind = kindOf(c)
    const ids = c.sk.split('#').slice(1)
    if (kind === 'PROV' && c.after?.wake) {
      const s = c.after as unknown as Settings
      // only what this change asked: the item keeps its requests until they are taken off, and
      // every write to it meanwhile (the queue's counter, the pump's lease) carries them along
      const before = (c.before?.wake as Set<string> | undefined) ?? new Set<string>()
      const actions = new Set([...(c.after.wake as Set<string>)].filter((a) => !before.has(a)))
      if (actions.size === 0) continue
      for (const action of actions) add(s.appId, ...(await wakeDeliveries(s, action as WakeAction)))
      acted.push({ appId: s.appId, actions })
    }
    if (bound.size === 0) continue
    if (kind === 'ENT') {
      const [memberId = '', appId = ''] = ids
      const s = bound.get(appId)
      const was = c.before?.state === 'entitled'
      const is = c.after?.state === 'entitled'
      if (s && !was && is) add(appId, { kind: 'users', flag: 1, memberIds: [memberId] })
      if (s && was && !is)
        add(appId, { kind: 'users', flag: revokeFlag(versionOf(s)), memberIds: [memberId] })
    }
    if (kind === 'MEMBER') {
      const memberId = ids[0] ?? ''
      for (const appId of await entitledApps(tenantId, memberId)) {
        if (bound.has(appId)) add(appId, { kind: 'users', flag: 2, memberIds: [memberId] })
      }
    }
    if (kind === 'APPATTR') {
      const [appId = '', memberId = ''] = ids
      if (bound.has(appId)) add(appId, { kind: 'users', flag: 2, memberIds: [memberId] })
    }
    if (kind === 'DEPT') {
      const flag = c.event === 'INSERT' ? 1 : c.event === 'REMOVE' ? 0 : 2
      const changed =
        c.event !== 'MODIFY' || c.before?.name !== c.after?.name || c.before?.parentId !== c.after?.parentId
      const dept = deptOf(c.after ?? c.before)
      if (changed) for (const s of bindings) add(s.appId, { kind: 'org', flag, dept })
    }
    if (kind === 'TENANT' && c.before?.name !== c.after?.name) {
      for (const s of bindings) if (versionOf(s) === 'v2') add(s.appId, { kind: 'tenant', flag: 2 })
    }
    if (kind === 'APP') {
      const appId = ids[0] ?? ''
      const s = bound.get(appId)
      if (!s) continue
      const gone = c.event === 'REMOVE' || c.after?.status === 'released'
      if (gone) {
        add(appId, { kind: 'application', flag: 0 }, { kind: 'tenant', flag: 0 }, { kind: 'unbound' })
      } else if (JSON.stringify(c.before?.approvedFields) !== JSON.stringify(c.after?.approvedFields)) {
        add(appId, ...usersOf(2, await holders(tenantId, appId)))
      }
    }
  }

  let total = 0
  for (const [appId, deliveries] of queued) total += await enqueue(tenantId, appId, deliveries)
  for (const { appId, actions } of acted) {
    await ProvisioningEntity.build(UpdateItemCommand)
      .item({ tenantId, appId, wake: $delete(actions) })
      .options({ condition: { attr: 'dialect', exists: true } })
      .send()
      .catch((err: unknown) => {
        if (!isConditionFailure(err)) throw err
      })
  }
  return `queued ${total}`
}
