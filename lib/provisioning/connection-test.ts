import { auditWrite } from '../core/audit.js'
import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import { tenantApiBase } from '../core/http/origin.js'
import { randomToken } from '../core/ids.js'
import type { TenantContext } from '../core/tenancy.js'
import { findTenant } from '../tenants/queries.js'
import {
  encryptClientSecret,
  OAEP_PROFILES,
  type OaepProfile,
  readProviderPublicKey,
} from './client-secret.js'
import { applicationSyncBody, tenantSyncBody } from './kit-bodies.js'
import { KIT_RESULT } from './kit-response.js'
import type { Outcome } from './pump.js'
import { boundSetting } from './settings.js'
import { kitVersionOf, postKit } from './workbench.js'

/** A call that cannot reach the provider is an answer too: what went wrong, by its name. */
const reach = (call: Promise<Outcome>): Promise<Outcome> =>
  call.catch((err: Error) => ({ ok: false, message: `${err.name}: could not reach the provider` }))

const answerOf = (o: Outcome) => ({
  ok: o.ok,
  code: o.code,
  message: o.message ?? '',
  httpStatus: o.httpStatus,
})

/**
 * The provider's connection test (protocol doc C.3, C.7): a tenantSync and an applicationSync
 * marked as test data (`testFlag` 1, no instance), the latter with a throw-away secret sealed with
 * the app's OAEP profile. When the provider cannot open it (`000101`), the other profiles are
 * tried in turn and the one it opens is reported (the admin sets it: nothing changes by itself).
 */
export const testConnection = async (ctx: TenantContext, appId: string) => {
  const settings = await boundSetting(ctx, appId)
  if (settings.dialect === 'scim') {
    throw new AppError('INVALID_STATE', 'the connection test is for the workbench dialects')
  }
  const tenant = await findTenant(ctx.tenantId)
  if (!tenant || !settings.publicKeyPem) throw new AppError('INVALID_STATE', 'nothing to test with')
  const version = kitVersionOf(settings)
  const common = { instanceId: '', tenantId: ctx.tenantId, testFlag: 1 as const }
  const tenantSync = await reach(
    postKit(
      settings,
      'tenantSync',
      tenantSyncBody(version, {
        ...common,
        orderId: '',
        tenantCode: tenant.code,
        name: tenant.name,
        domainName: tenantApiBase(tenant.code),
        flag: 1,
      }),
    ),
  )
  const key = readProviderPublicKey(settings.publicKeyPem)
  const tried: OaepProfile[] = [settings.oaep, ...OAEP_PROFILES.filter((p) => p !== settings.oaep)]
  let applicationSync: Outcome = { ok: false, message: 'not sent' }
  let opened: OaepProfile | undefined
  for (const oaep of tried) {
    applicationSync = await reach(
      postKit(
        settings,
        'applicationSync',
        applicationSyncBody(version, {
          ...common,
          appId,
          clientId: settings.clientId ?? 'test',
          clientSecret: encryptClientSecret(key, `test-${randomToken(24)}`, oaep),
          flag: 1,
        }),
      ),
    )
    if (applicationSync.ok) opened = oaep
    if (applicationSync.code !== KIT_RESULT.clientSecretFailed) break
  }
  await transaction()
    .add(
      'audit',
      auditWrite(ctx, {
        actorId: ctx.actor.accountId,
        action: 'app.provisioning-test',
        targetId: appId,
        detail: `tenantSync ${tenantSync.code ?? tenantSync.httpStatus ?? 'unreached'}, applicationSync ${applicationSync.code ?? applicationSync.httpStatus ?? 'unreached'}`,
      }),
    )
    .run()
  return {
    tenantSync: answerOf(tenantSync),
    applicationSync: answerOf(applicationSync),
    ...(opened && opened !== settings.oaep ? { workingOaep: opened } : {}),
  }
}
