import { BatchGetRequest, boolean, Entity, item, string } from 'dynamodb-toolbox'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import type { Rule } from './policy.js'

export const grantKey = (tenantId: string, appId: string, grantId: string) => ({
  PK: tenantPartition(tenantId),
  SK: `GRANT#${appId}#${grantId}`,
})

/**
 * One rule of an app: allow or deny, for a member, a department (with or without the departments
 * below it) or a group. GSI1 lists a subject's rules, to drop them when the subject goes.
 */
export const GrantEntity = new Entity({
  name: 'Grant',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    appId: string().key(),
    grantId: string().key(),
    effect: string().enum('allow', 'deny'),
    subjectType: string().enum('member', 'department', 'group'),
    subjectId: string(),
    includeSubDepartments: boolean(),
    grantedAt: string(),
    grantedBy: string(),
    GSI1PK: string(),
    GSI1SK: string(),
  }),
  computeKey: ({ tenantId, appId, grantId }: { tenantId: string; appId: string; grantId: string }) =>
    grantKey(tenantId, appId, grantId),
})

export const subjectPartition = (tenantId: string, rule: Pick<Rule, 'subjectType' | 'subjectId'>) =>
  tenantIndexPartition(tenantId, 'SUBJECT', rule.subjectType, rule.subjectId)

export const grantIndexKeys = (
  tenantId: string,
  rule: Pick<Rule, 'subjectType' | 'subjectId'>,
  appId: string,
) => ({
  GSI1PK: subjectPartition(tenantId, rule),
  GSI1SK: appId,
})

export const ENTITLEMENT_STATES = ['entitled', 'waiting'] as const
export type EntitlementState = (typeof ENTITLEMENT_STATES)[number]

/**
 * A member's standing with one app, kept in step with the rules and the directory: `entitled`
 * (they may open it; on a licensed app they hold a seat) or `waiting` (a rule lets them, no seat is
 * free). No item: no rule lets them. A member's items are one range read (their app list); GSI1
 * lists an app's holders and its waiting members, each in the order they got there (the longest
 * waiting get the next free seat; the latest seated give theirs back when a licence shrinks).
 */
export const EntitlementEntity = new Entity({
  name: 'Entitlement',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    memberId: string().key(),
    appId: string().key(),
    state: string().enum(...ENTITLEMENT_STATES),
    since: string(),
    GSI1PK: string(),
    GSI1SK: string(),
  }),
  computeKey: ({ tenantId, memberId, appId }: { tenantId: string; memberId: string; appId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `ENT#${memberId}#${appId}`,
  }),
})

/** A member's standing with one app, for a batch read (signing in to the app). */
export const entitlementRequest = (tenantId: string, memberId: string, appId: string) =>
  EntitlementEntity.build(BatchGetRequest).key({ tenantId, memberId, appId })

export const holdersPartition = (tenantId: string, appId: string) =>
  tenantIndexPartition(tenantId, 'ENT', appId)

export const entitlementIndexKeys = (
  tenantId: string,
  appId: string,
  memberId: string,
  state: EntitlementState,
  since: string,
) => ({
  GSI1PK: holdersPartition(tenantId, appId),
  GSI1SK: `${state === 'entitled' ? 'E' : 'W'}#${since}#${memberId}`,
})
