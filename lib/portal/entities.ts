import { Entity, item, number, string } from 'dynamodb-toolbox'
import { table } from '../core/db/table.js'

const versionKey = (version: number) => String(version).padStart(8, '0')

/**
 * One level's portal for one channel (`<level partition>/PORTAL#<channel>`): the draft being edited
 * and the published portal, each as JSON checked by PortalSchema on the way in and again on the
 * way out. `version` counts publications (a publish is conditioned on it, so two at once never
 * share a number); `contentVersion` names the version whose portal is live (a rollback's source).
 * A tenant that resets keeps its counter but neither portal, and inherits again.
 */
export const PortalHeadEntity = new Entity({
  name: 'PortalHead',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    channel: string().key(),
    draftJson: string().optional(),
    draftUpdatedAt: string().optional(),
    /** moves on with every draft write: a publish is conditioned on the draft it read */
    draftRev: number().optional(),
    publishedJson: string().optional(),
    version: number().optional(),
    contentVersion: number().optional(),
    publishedAt: string().optional(),
    updatedAt: string(),
    /** `account:<accountId>` of the administrator, or `seed` */
    updatedBy: string(),
  }),
  computeKey: ({ owner, channel }: { owner: string; channel: string }) => ({
    PK: owner,
    SK: `PORTAL#${channel}`,
  }),
})

/** A published version, kept (`<level partition>/PORTALV#<channel>#<version, 8 digits>`): rollbacks read it. */
export const PortalVersionEntity = new Entity({
  name: 'PortalVersion',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    channel: string().key(),
    version: number().key(),
    portalJson: string(),
    publishedAt: string(),
    publishedBy: string(),
    restoredFrom: number().optional(),
  }),
  computeKey: ({ owner, channel, version }: { owner: string; channel: string; version: number }) => ({
    PK: owner,
    SK: `PORTALV#${channel}#${versionKey(version)}`,
  }),
})
