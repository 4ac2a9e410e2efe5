import {
  $add,
  $remove,
  BatchGetRequest,
  GetItemCommand,
  PutTransaction,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { retryOnConflict, StaleRead } from '../core/db/conditions.js'
import { queryPage } from '../core/db/pagination.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import { type InheritingLevel, type Level, levelChain, levelPartition } from '../core/levels.js'
import { log } from '../core/log.js'
import type { TenantId } from '../core/tenancy.js'
import { DEFAULT_PORTALS } from './defaults.js'
import { PortalHeadEntity, PortalVersionEntity } from './entities.js'
import {
  type Channel,
  type Portal,
  PortalSchema,
  type PortalSource,
  type PortalVersion,
  type PortalView,
} from './schemas.js'

/**
 * Whose portal an administrator reads or writes: the caller's own level, from their token. A
 * tenant names the industry it inherits from and whether its edition lets it customise.
 */
export type PortalTarget =
  | { level: 'platform' }
  | { level: 'industry'; industry: string }
  | { level: 'tenant'; tenantId: TenantId; industry: string; customisable: boolean }

type Head = NonNullable<Awaited<ReturnType<typeof readHead>>>

const ownLevel = (t: PortalTarget): Level => levelChain(t as InheritingLevel)[0] as Level

/** A stored portal, only if it still passes the schema (a value written around the API is never shown). */
const portalOf = (json: string | undefined): Portal | undefined => {
  if (json === undefined) return undefined
  try {
    const parsed = PortalSchema.safeParse(JSON.parse(json))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** A level's head for a batch (the member's portal reads the three levels at once). */
export const headRequest = (level: Level, channel: Channel) =>
  PortalHeadEntity.build(BatchGetRequest).key({ owner: levelPartition(level), channel })

const readHead = async (level: Level, channel: Channel) =>
  (
    await PortalHeadEntity.build(GetItemCommand)
      .key({ owner: levelPartition(level), channel })
      .options({ consistent: true })
      .send()
  ).Item

/**
 * The portal members of a level see, from the heads of its chain (most specific first): the first
 * level that publishes one (a tenant's only while its edition lets it customise), else the default.
 */
export const resolvePortal = (
  chain: { level: Level; head: Record<string, unknown> | undefined }[],
  channel: Channel,
  customisable: boolean,
): { portal: Portal; from: PortalSource; version: number } => {
  for (const { level, head } of chain) {
    if (level.level === 'tenant' && !customisable) continue
    const portal = portalOf(head?.publishedJson as string | undefined)
    if (portal) return { portal, from: level.level, version: (head?.version as number | undefined) ?? 0 }
  }
  return { portal: DEFAULT_PORTALS[channel], from: 'default', version: 0 }
}

/** A level's portal for a channel as its administrator sees it (one consistent BatchGetItem). */
export const portalView = async (t: PortalTarget, channel: Channel): Promise<PortalView> => {
  const levels = levelChain(t as InheritingLevel)
  const heads = await batchGetRequests(
    levels.map((l) => headRequest(l, channel)),
    { consistent: true },
  )
  const customisable = t.level !== 'tenant' || t.customisable
  const own = heads[0]
  const { portal, from } = resolvePortal(
    levels.map((level, i) => ({ level, head: heads[i] })),
    channel,
    customisable,
  )
  return {
    level: t.level,
    channel,
    draft: portalOf(own?.draftJson as string | undefined) ?? null,
    draftUpdatedAt: own?.draftUpdatedAt as string | undefined,
    published: portalOf(own?.publishedJson as string | undefined) ?? null,
    version: (own?.version as number | undefined) ?? 0,
    publishedAt: own?.publishedAt as string | undefined,
    effective: portal,
    effectiveFrom: from,
    customisable,
  }
}

const notInEdition = () =>
  new AppError(
    'PORTAL_NOT_IN_EDITION',
    "this workbench's edition does not include a custom portal: it shows its industry's (upgrade to customise)",
  )

/** Writes of a tenant are its customisation: only editions with `customPortal` may make them. */
const assertCustomisable = (t: PortalTarget) => {
  if (t.level === 'tenant' && !t.customisable) throw notInEdition()
}

/** The tenant's audit entry in the same transaction; the platform and industries log the change (ids only). */
const withAudit = async (
  t: PortalTarget,
  channel: Channel,
  actorId: string,
  action: string,
  detail: string,
  tx: ReturnType<typeof transaction>,
  explain: Record<string, () => Error> = {},
) => {
  if (t.level === 'tenant') {
    tx.add('audit', auditWrite({ tenantId: t.tenantId }, { actorId, action, targetId: channel, detail }))
  }
  await tx.run(explain)
  if (t.level !== 'tenant') {
    log.info(action, {
      level: t.level,
      industry: t.level === 'industry' ? t.industry : undefined,
      actorId,
      detail,
    })
  }
}

/** Replaces the level's draft; members see nothing of it until it is published. */
export const saveDraft = async (
  t: PortalTarget,
  channel: Channel,
  portal: Portal,
  actorId: string,
): Promise<PortalView> => {
  assertCustomisable(t)
  const at = nowIso()
  const write = PortalHeadEntity.build(UpdateTransaction).item({
    owner: levelPartition(ownLevel(t)),
    channel,
    draftJson: JSON.stringify(portal),
    draftUpdatedAt: at,
    draftRev: $add(1),
    updatedAt: at,
    updatedBy: `account:${actorId}`,
  })
  await withAudit(
    t,
    channel,
    actorId,
    'portal.draft-saved',
    `channel=${channel}`,
    transaction().add('head', write),
  )
  return portalView(t, channel)
}

/**
 * Publishes a portal as the next version: the head (conditioned on the version and the draft it
 * was read with) and the version item (put only if new) in one transaction, so two publications at
 * once never share a number and no version is lost; the one that lost the race reads again and
 * becomes the next version.
 */
const publishNext = async (
  t: PortalTarget,
  channel: Channel,
  actorId: string,
  pick: (head: Head | undefined) => Promise<{ json: string; contentVersion?: number; restoredFrom?: number }>,
  action: string,
) => {
  assertCustomisable(t)
  const owner = levelPartition(ownLevel(t))
  try {
    await retryOnConflict(async () => {
      const head = await readHead(ownLevel(t), channel)
      const { json, restoredFrom, contentVersion } = await pick(head)
      const previous = head?.version ?? 0
      const version = previous + 1
      const at = nowIso()
      const by = `account:${actorId}`
      const unchanged = [
        previous === 0 ? { attr: 'version', exists: false } : { attr: 'version', eq: previous },
        head?.draftRev === undefined
          ? { attr: 'draftRev', exists: false }
          : { attr: 'draftRev', eq: head.draftRev },
      ]
      const tx = transaction()
        .add(
          'head',
          PortalHeadEntity.build(UpdateTransaction)
            .item({
              owner,
              channel,
              publishedJson: json,
              version,
              contentVersion: contentVersion ?? version,
              publishedAt: at,
              updatedAt: at,
              updatedBy: by,
            })
            .options({ condition: { and: unchanged } as never }),
        )
        .add(
          'version',
          PortalVersionEntity.build(PutTransaction)
            .item({
              owner,
              channel,
              version,
              portalJson: json,
              publishedAt: at,
              publishedBy: by,
              restoredFrom,
            })
            .options({ condition: { attr: 'version', exists: false } }),
        )
      const detail = `channel=${channel} version=${version}${restoredFrom ? ` restoredFrom=${restoredFrom}` : ''}`
      await withAudit(t, channel, actorId, action, detail, tx, {
        head: () => new StaleRead('published meanwhile'),
        version: () => new StaleRead('published meanwhile'),
      })
    }, 30)
  } catch (err) {
    if (err instanceof StaleRead) {
      throw new AppError('CONFLICT', 'the portal was published meanwhile by someone else; try again')
    }
    throw err
  }
  return portalView(t, channel)
}

/** Publishes the level's draft as its next version. */
export const publishDraft = (t: PortalTarget, channel: Channel, actorId: string) =>
  publishNext(
    t,
    channel,
    actorId,
    async (head) => {
      const draft = portalOf(head?.draftJson)
      if (!draft) throw new AppError('INVALID_STATE', 'there is no draft to publish: save one first')
      return { json: JSON.stringify(draft) }
    },
    'portal.published',
  )

/**
 * Publishes again an earlier version (by default the one before the version now live), as a new
 * version: history only grows, and a second rollback steps back once more.
 */
export const rollback = (t: PortalTarget, channel: Channel, actorId: string, toVersion?: number) =>
  publishNext(
    t,
    channel,
    actorId,
    async (head) => {
      const live = head?.publishedJson === undefined ? undefined : (head.contentVersion ?? head.version)
      const target = toVersion ?? (live === undefined ? undefined : live - 1)
      if (target === undefined || target < 1 || target > (head?.version ?? 0)) {
        throw new AppError(
          'INVALID_STATE',
          toVersion === undefined
            ? 'there is no earlier version to roll back to'
            : `there is no version ${toVersion}`,
        )
      }
      const { Item } = await PortalVersionEntity.build(GetItemCommand)
        .key({ owner: levelPartition(ownLevel(t)), channel, version: target })
        .options({ consistent: true })
        .send()
      if (!Item || !portalOf(Item.portalJson)) {
        throw new AppError('INVALID_STATE', `version ${target} can no longer be published`)
      }
      return { json: Item.portalJson, contentVersion: target, restoredFrom: target }
    },
    'portal.rolled-back',
  )

/**
 * A tenant goes back to what it inherits: its draft and published portal are removed (the version
 * counter and history stay), so its industry's template reaches it again. Allowed whatever the
 * edition: a tenant that lost the feature can still clean up.
 */
export const resetTenantPortal = async (
  t: Extract<PortalTarget, { level: 'tenant' }>,
  channel: Channel,
  actorId: string,
): Promise<PortalView> => {
  const at = nowIso()
  const write = PortalHeadEntity.build(UpdateTransaction)
    .item({
      owner: levelPartition(ownLevel(t)),
      channel,
      draftJson: $remove(),
      draftUpdatedAt: $remove(),
      publishedJson: $remove(),
      contentVersion: $remove(),
      publishedAt: $remove(),
      updatedAt: at,
      updatedBy: `account:${actorId}`,
    })
    .options({ condition: { attr: 'owner', exists: true } })
  try {
    await withAudit(
      t,
      channel,
      actorId,
      'portal.reset',
      `channel=${channel}`,
      transaction().add('head', write),
    )
  } catch (err) {
    // nothing customised: it already inherits
    if (!(err instanceof ConditionsFailed)) throw err
  }
  return portalView(t, channel)
}

/** The level's published versions, newest first. */
export const listVersions = async (
  t: PortalTarget,
  channel: Channel,
  limit: number,
  cursor?: string,
): Promise<{ items: PortalVersion[]; nextCursor?: string }> => {
  const { items, nextCursor } = await queryPage(PortalVersionEntity, {
    partition: levelPartition(ownLevel(t)),
    prefix: `PORTALV#${channel}#`,
    limit,
    cursor,
    reverse: true,
    consistent: true,
  })
  return {
    items: items.flatMap((v) => {
      const portal = portalOf(v.portalJson)
      return portal
        ? [
            {
              version: v.version,
              publishedAt: v.publishedAt,
              publishedBy: v.publishedBy,
              restoredFrom: v.restoredFrom,
              portal,
            },
          ]
        : []
    }),
    nextCursor,
  }
}

/** A level's starting portal, published as version 1 unless it has one (the seed runs again harmlessly). */
export const seedPortal = async (level: Level, channel: Channel, portal: Portal): Promise<void> => {
  const owner = levelPartition(level)
  const json = JSON.stringify(PortalSchema.parse(portal))
  const at = nowIso()
  try {
    await transaction()
      .add(
        'head',
        PortalHeadEntity.build(PutTransaction)
          .item({
            owner,
            channel,
            draftJson: json,
            publishedJson: json,
            version: 1,
            contentVersion: 1,
            publishedAt: at,
            updatedAt: at,
            updatedBy: 'seed',
          })
          .options({ condition: { attr: 'owner', exists: false } }),
      )
      .add(
        'version',
        PortalVersionEntity.build(PutTransaction)
          .item({ owner, channel, version: 1, portalJson: json, publishedAt: at, publishedBy: 'seed' })
          .options({ condition: { attr: 'version', exists: false } }),
      )
      .run()
  } catch (err) {
    if (!(err instanceof ConditionsFailed)) throw err
  }
}
