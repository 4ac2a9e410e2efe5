import { $set, UpdateTransaction } from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { listEquals } from '../core/db/conditions.js'
import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { PersonalField } from '../platform/app-schemas.js'
import { appWithView } from './registry.js'
import type { AppView } from './schemas.js'
import { TenantAppEntity } from './tenant-apps.js'

type Field = (typeof PersonalField.options)[number]

/** The personal fields an app receives: those approved that it still asks for. */
export const approvedFields = (app: { approvedFields?: string[] }, view: Pick<AppView, 'requestedFields'>) =>
  PersonalField.options.filter((f) => view.requestedFields.includes(f) && app.approvedFields?.includes(f))

export const getUserData = async (scope: TenantScope, appId: string) => {
  const { app, view } = await appWithView(scope, appId)
  return { appId, requestedFields: view.requestedFields, fields: approvedFields(app, view) }
}

const summary = (fields: readonly string[]) => (fields.length > 0 ? fields.join(',') : 'none')

/**
 * Approves exactly these fields for the app (a subset of those it asks for; none by default).
 * Conditioned on the approval read, so the audit entry's before and after are what changed.
 */
export const setUserData = async (ctx: TenantContext, appId: string, fields: Field[]) => {
  const { app, view } = await appWithView(ctx, appId)
  const unasked = fields.flatMap((f, i) =>
    view.requestedFields.includes(f)
      ? []
      : [{ path: `body.fields.${i}`, message: `the app does not ask for ${f}` }],
  )
  if (unasked.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `not fields this app asks for: ${unasked.map((u) => u.path).join(', ')}`,
      unasked,
    )
  }
  const before = app.approvedFields ?? []
  const after = PersonalField.options.filter((f) => fields.includes(f))
  await transaction()
    .add(
      'app',
      TenantAppEntity.build(UpdateTransaction)
        .item({ tenantId: ctx.tenantId, appCode: appId, approvedFields: $set(after) })
        .options({
          condition: { and: [{ attr: 'status', eq: app.status }, listEquals('approvedFields', before)] },
        }),
    )
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'app.user-data-approved',
        targetId: appId,
        detail: `${summary(before)} -> ${summary(after)}`,
      }),
    )
    .run({ app: () => new AppError('CONFLICT', 'the app changed meanwhile; retry') })
  return {
    appId,
    requestedFields: view.requestedFields,
    fields: approvedFields({ approvedFields: after }, view),
  }
}
