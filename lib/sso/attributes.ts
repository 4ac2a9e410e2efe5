import { GetItemCommand, PutTransaction } from 'dynamodb-toolbox'
import { AttributeValuesEntity } from '../apps/attribute-values.js'
import { appWithView } from '../apps/registry.js'
import type { AppView } from '../apps/schemas.js'
import { tenantAppStill } from '../apps/tenant-apps.js'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { transaction } from '../core/db/transaction.js'
import { AppError, type FieldIssue, notFound } from '../core/errors.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { assertOutranks } from '../directory/members.js'
import { getMembership, membershipUnchanged } from '../identity/accounts.js'
import { type AttributeValues, valuesFor } from './attribute-values-schema.js'

/** What the app's definitions refuse in the given values, as failing fields. */
const refused = (definitions: AppView['attributes'], values: AttributeValues): FieldIssue[] =>
  Object.entries(values).flatMap(([key, value]) => {
    const def = definitions.find((d) => d.key === key)
    const path = `body.values.${key}`
    if (!def) return [{ path, message: 'the app declares no such attribute' }]
    const bad = (typeof value === 'string' ? [value] : value).filter(
      (v) => def.options !== undefined && !def.options.includes(v),
    )
    return bad.length > 0 ? [{ path, message: `not one of the options: ${bad.join(', ')}` }] : []
  })

const loadMember = async (scope: TenantScope, memberId: string) => {
  const member = await getMembership('tenant', scope.tenantId, memberId)
  if (!member) throw notFound('member')
  return member
}

export const getAttributeValues = async (scope: TenantScope, appId: string, memberId: string) => {
  const [{ view }] = await Promise.all([appWithView(scope, appId), loadMember(scope, memberId)])
  const { Item } = await AttributeValuesEntity.build(GetItemCommand)
    .key({ tenantId: scope.tenantId, appId, memberId })
    .options({ consistent: true })
    .send()
  return { appId, memberId, values: valuesFor(view.attributes, Item) }
}

/**
 * Sets a member's values for an app, replacing those given before; each is checked against the
 * app's definitions (its attributes, their options). Nobody sets them for a member who holds more
 * than they do; the write is conditioned on the member's roles and the app being as checked.
 */
export const setAttributeValues = async (
  ctx: TenantContext,
  appId: string,
  memberId: string,
  values: AttributeValues,
) => {
  const [{ app, view }, member] = await Promise.all([appWithView(ctx, appId), loadMember(ctx, memberId)])
  await assertOutranks(ctx, member, { self: true })
  const issues = refused(view.attributes, values)
  if (issues.length > 0) {
    throw new AppError('VALIDATION_FAILED', `invalid ${issues.map((i) => i.path).join(', ')}`, issues)
  }
  await transaction()
    .add(
      'values',
      AttributeValuesEntity.build(PutTransaction).item({
        tenantId: ctx.tenantId,
        appId,
        memberId,
        values,
        updatedAt: nowIso(),
      }),
    )
    .add('app', tenantAppStill(ctx.tenantId, appId, app.status))
    .add(
      'member',
      membershipUnchanged(
        { realm: 'tenant', ctx: ctx.tenantId, accountId: memberId },
        { roles: member.roles },
      ),
    )
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'app.attributes-set',
        targetId: memberId,
        detail: `${appId}: ${Object.keys(values).join(',') || 'none'}`,
      }),
    )
    .run({
      app: () => new AppError('CONFLICT', 'the app changed meanwhile; retry'),
      member: () => new AppError('CONFLICT', 'the member changed meanwhile; retry'),
    })
  return { appId, memberId, values: valuesFor(view.attributes, { values }) }
}
