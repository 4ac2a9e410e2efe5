import { $add, $remove, GetItemCommand, PutTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import { appWithView, rotateSecret } from '../apps/registry.js'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import type { WriteItem } from '../core/db/conditions.js'
import { tenantPartition } from '../core/db/keys.js'
import { queryPage } from '../core/db/pagination.js'
import { transaction } from '../core/db/transaction.js'
import { dueKeysIn } from '../core/due.js'
import { AppError, type FieldIssue } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { TenantContext, TenantScope } from '../core/tenancy.js'
import { DEFAULT_OAEP_PROFILE, encryptClientSecret, readProviderPublicKey } from './client-secret.js'
import { RETRY_DUE, type Settings } from './pump.js'
import { DeliveryEntity, deliveryPrefix, ProvisioningEntity, type WakeAction } from './records.js'
import type { ProvisioningInput } from './schemas.js'

const secretAad = (appId: string) => `provisioning:${appId}:secret`

const load = async (tenantId: string, appId: string) =>
  (
    await ProvisioningEntity.build(GetItemCommand)
      .key({ tenantId, appId })
      .options({ consistent: true })
      .send()
  ).Item

/** The provider's access key or bearer token, decrypted at the moment of sending. */
export const providerSecret = async (settings: Settings) => {
  const cipher = await cipherFor(tenantScope(settings.tenantId))
  return settings.secretEnc && cipher
    ? cipher.decrypt(settings.secretEnc, secretAad(settings.appId))
    : undefined
}

const viewOf = (appId: string, item: Awaited<ReturnType<typeof load>>) =>
  !item || item.unbinding
    ? { appId, dialect: 'none' as const }
    : {
        appId,
        dialect: item.dialect,
        baseUrl: item.baseUrl,
        secretHint: item.secretHint,
        publicKeyPem: item.publicKeyPem,
        oaep: item.dialect === 'scim' ? undefined : item.oaep,
        ...(item.dialect === 'scim'
          ? { scimGroups: item.scimGroups ?? false, scimOpsCase: item.scimOpsCase ?? 'lower' }
          : {}),
        instanceId: item.instanceId,
        updatedAt: item.updatedAt,
      }

export const getProvisioning = async (scope: TenantScope, appId: string) => {
  await appWithView(scope, appId)
  return viewOf(appId, await load(scope.tenantId, appId))
}

export const invalid = (issues: FieldIssue[]) =>
  new AppError('VALIDATION_FAILED', `invalid ${issues.map((i) => i.path).join(', ')}`, issues)

export const hintOf = (secret: string) => `…${secret.slice(-4)}`

/** What is kept of a binding between puts: whether a field left out is still set. */
export interface KeptBinding {
  dialect?: string
  baseUrl?: string
  publicKeyPem?: string
  secretEnc?: string
}

/**
 * What a binding lacks or has wrong, given what is kept of it (a field left out keeps its value)
 * and the app's protocol: one set of rules for a tenant's binding and a catalog app's vendor.
 */
export const bindingProblems = (
  input: ProvisioningInput,
  kept: KeptBinding | undefined,
  protocol: string,
): FieldIssue[] => {
  const issues: FieldIssue[] = []
  const baseUrl = input.baseUrl ?? kept?.baseUrl
  if (input.dialect === 'scim') {
    if (!baseUrl) issues.push({ path: 'body.baseUrl', message: "the SCIM service's base URL is required" })
    // a workbench access key is no bearer token: a switch to SCIM needs one; and a token is sent as
    // it is, so a new base URL needs it given again (a stored token never goes anywhere new)
    const tokenKept = kept?.secretEnc && kept.dialect === 'scim' && kept.baseUrl === baseUrl
    if (!input.bearerToken && !tokenKept)
      issues.push({
        path: 'body.bearerToken',
        message:
          kept?.dialect === 'scim'
            ? 'a new base URL needs its bearer token given again'
            : "the SCIM service's bearer token is required",
      })
    for (const field of ['accessKey', 'publicKeyPem', 'oaep'] as const) {
      if (input[field] !== undefined)
        issues.push({
          path: `body.${field}`,
          message: 'not used by SCIM (the bearer token is its credential)',
        })
    }
    return issues
  }
  if (!['oidc', 'oauth2', 'cas', 'code'].includes(protocol))
    return [{ path: 'body.dialect', message: `a ${protocol} app has no credentials to provision` }]
  if (!baseUrl) issues.push({ path: 'body.baseUrl', message: "the provider's base URL is required" })
  // a SCIM bearer token is no access key: a switch from SCIM needs one
  if (!input.accessKey && !(kept?.secretEnc && kept.dialect !== 'scim'))
    issues.push({ path: 'body.accessKey', message: "the provider's access key is required" })
  if (input.bearerToken !== undefined)
    issues.push({ path: 'body.bearerToken', message: 'only the scim dialect takes a bearer token' })
  for (const field of ['scimGroups', 'scimOpsCase'] as const) {
    if (input[field] !== undefined)
      issues.push({ path: `body.${field}`, message: 'only the scim dialect takes it' })
  }
  try {
    const publicKeyPem = input.publicKeyPem ?? kept?.publicKeyPem
    if (!publicKeyPem) throw new Error("the provider's RSA public key is required")
    readProviderPublicKey(publicKeyPem)
  } catch (err) {
    issues.push({ path: 'body.publicKeyPem', message: (err as Error).message })
  }
  return issues
}

/** What a setting moved to a new endpoint drops: nothing waits for a retry of the old one. */
const cleanStart = {
  state: 'idle',
  attempts: 0,
  lastError: $remove(),
  retryAt: $remove(),
  DUEPK: $remove(),
  DUESK: $remove(),
} as const

type Existing = Awaited<ReturnType<typeof load>>

/** An access key or bearer token, sealed under the tenant's key, and its hint; nothing when none was given. */
const sealedCredential = async (tenantId: string, appId: string, value: string | undefined) => {
  if (!value) return {}
  const cipher = await cipherFor(tenantScope(tenantId))
  if (!cipher) throw new AppError('TENANT_FROZEN', 'this workbench is not active')
  return { secretEnc: cipher.encrypt(value, secretAad(appId)), secretHint: hintOf(value) }
}

/** A first binding: the setting, its instance, an empty queue, and the request to send everything. */
const newSetting = (
  tenantId: string,
  appId: string,
  fields: Omit<
    Settings,
    'tenantId' | 'appId' | 'instanceId' | 'generation' | 'nextSeq' | 'pokes' | 'state' | 'attempts'
  >,
) =>
  ProvisioningEntity.build(PutTransaction)
    .item({
      tenantId,
      appId,
      ...fields,
      instanceId: newId(),
      generation: 1,
      nextSeq: 0,
      pokes: 0,
      state: 'idle',
      attempts: 0,
      wake: new Set<WakeAction>(['bind']),
    })
    .options({ condition: { attr: 'appId', exists: false } })

/**
 * SCIM 2.0: a base URL and a bearer token (kept encrypted like an access key), whether the
 * departments go as Groups (`scimGroups`) and how PATCH ops are spelt (`scimOpsCase`). No client
 * secret is issued and nothing is sealed. Binding asks the worker to send the departments (when
 * Groups are asked for) and the entitled members; turning Groups on later asks for a resync, so
 * the departments and memberships follow.
 */
const putScim = async (
  ctx: TenantContext,
  appId: string,
  input: ProvisioningInput,
  existing: Existing,
  audit: (detail: string) => WriteItem,
) => {
  const baseUrl = (input.baseUrl ?? existing?.baseUrl) as string
  const secret = await sealedCredential(ctx.tenantId, appId, input.bearerToken)
  const moved = existing !== undefined && (existing.dialect !== 'scim' || existing.baseUrl !== baseUrl)
  // what SCIM had (a setting of another dialect had nothing), kept unless given anew
  const wasScim = existing?.dialect === 'scim'
  const before = {
    groups: (wasScim && existing?.scimGroups) || false,
    opsCase: (wasScim && existing?.scimOpsCase) || 'lower',
  }
  const scimGroups = input.scimGroups ?? before.groups
  const scimOpsCase = input.scimOpsCase ?? before.opsCase
  // Groups asked for on a binding that had none: the departments and memberships are sent now
  const groupsOn = existing !== undefined && !moved && scimGroups && !before.groups
  const fields = {
    dialect: 'scim' as const,
    baseUrl,
    scimGroups,
    scimOpsCase,
    updatedAt: nowIso(),
    ...secret,
  }
  const write = existing
    ? ProvisioningEntity.build(UpdateTransaction)
        .item({
          tenantId: ctx.tenantId,
          appId,
          ...fields,
          // what the workbench dialects kept for the provider has no use here
          publicKeyPem: $remove(),
          sealedSecret: $remove(),
          clientId: $remove(),
          generation: moved ? existing.generation + 1 : existing.generation,
          ...(moved ? cleanStart : {}),
          ...(groupsOn ? { wake: $add(new Set<WakeAction>(['resync'])) } : {}),
        })
        .options({ condition: { attr: 'generation', eq: existing.generation } })
    : newSetting(ctx.tenantId, appId, { ...fields, oaep: DEFAULT_OAEP_PROFILE })
  const detail = [
    'scim',
    moved && 'new endpoint',
    input.bearerToken && 'new token',
    before.groups !== scimGroups && `groups ${scimGroups ? 'on' : 'off'}`,
    before.opsCase !== scimOpsCase && `ops ${scimOpsCase}`,
  ].filter(Boolean)
  await transaction()
    .add('setting', write)
    .add('audit', audit(detail.join(', ')))
    .run({ setting: () => new AppError('CONFLICT', 'the setting changed meanwhile; retry') })
  return viewOf(appId, await load(ctx.tenantId, appId))
}

/**
 * Sets how an app's provider is kept in step. The first binding issues the app a fresh client
 * secret, sealed with the provider's public key (only the provider can read it), in the same
 * transaction, and asks the worker to send the tenant, the credentials, the departments and the
 * entitled members. Changing the dialect or the endpoint sends nothing more to the old one (what
 * was queued for it is dropped); the admin resyncs to the new one. `none` unbinds: the provider is
 * told, then the setting goes.
 */
export const putProvisioning = async (ctx: TenantContext, appId: string, input: ProvisioningInput) => {
  const { view } = await appWithView(ctx, appId)
  const existing = await load(ctx.tenantId, appId)
  if (existing?.unbinding) {
    throw new AppError(
      'CONFLICT',
      'the provider is still being told of the last unbinding; try again shortly',
    )
  }
  const audit = (detail: string) =>
    auditWrite(ctx, { actorId: ctx.actor.accountId, action: 'app.provisioning-set', targetId: appId, detail })
  if (input.dialect === 'none') {
    if (existing) {
      await transaction()
        .add(
          'setting',
          ProvisioningEntity.build(UpdateTransaction)
            .item({
              tenantId: ctx.tenantId,
              appId,
              unbinding: true,
              wake: $add(new Set<WakeAction>(['unbind'])),
            })
            .options({ condition: { attr: 'generation', eq: existing.generation } }),
        )
        .add('audit', audit('none'))
        .run({ setting: () => new AppError('CONFLICT', 'the setting changed meanwhile; retry') })
    }
    return viewOf(appId, undefined)
  }
  const issues = bindingProblems(input, existing, view.protocol)
  if (issues.length > 0) throw invalid(issues)
  if (input.dialect === 'scim') return putScim(ctx, appId, input, existing, audit)
  const baseUrl = (input.baseUrl ?? existing?.baseUrl) as string
  const publicKeyPem = (input.publicKeyPem ?? existing?.publicKeyPem) as string
  const publicKey = readProviderPublicKey(publicKeyPem)

  const oaep = input.oaep ?? existing?.oaep ?? DEFAULT_OAEP_PROFILE
  const secret = await sealedCredential(ctx.tenantId, appId, input.accessKey)
  const moved = existing !== undefined && (existing.dialect !== input.dialect || existing.baseUrl !== baseUrl)
  const reseal =
    !existing || existing.publicKeyPem !== publicKeyPem || existing.oaep !== oaep || !existing.sealedSecret
  const now = nowIso()
  const fields = { dialect: input.dialect, baseUrl, publicKeyPem, oaep, updatedAt: now, ...secret }

  const settingWrite = (sealed?: { clientId: string; sealedSecret: string }): WriteItem =>
    existing
      ? ProvisioningEntity.build(UpdateTransaction)
          .item({
            tenantId: ctx.tenantId,
            appId,
            ...fields,
            ...sealed,
            // what SCIM kept has no use here
            scimGroups: $remove(),
            scimOpsCase: $remove(),
            generation: moved ? existing.generation + 1 : existing.generation,
            // a new endpoint starts clean: nothing waits for a retry of the old one
            ...(moved ? cleanStart : {}),
            ...(sealed && !moved ? { wake: $add(new Set<WakeAction>(['secret'])) } : {}),
          })
          .options({ condition: { attr: 'generation', eq: existing.generation } })
      : newSetting(ctx.tenantId, appId, { ...fields, ...sealed })
  const detail = `${input.dialect}${moved ? ', new endpoint' : ''}${input.accessKey ? ', new key' : ''}`
  if (reseal) {
    await rotateSecret(ctx, appId, async ({ clientId, clientSecret }) => [
      settingWrite({ clientId, sealedSecret: encryptClientSecret(publicKey, clientSecret, oaep) }),
      audit(`${detail}, client secret issued for the provider`),
    ])
  } else {
    await transaction()
      .add('setting', settingWrite())
      .add('audit', audit(detail))
      .run({ setting: () => new AppError('CONFLICT', 'the setting changed meanwhile; retry') })
  }
  return viewOf(appId, await load(ctx.tenantId, appId))
}

/**
 * Sealing for a secret rotated by the admin (POST /v1/apps/{appId}/secret): when a provider is
 * bound, the new secret goes to it too, sealed, in the rotation's transaction.
 */
export const sealForProvider =
  (scope: TenantScope, appId: string) =>
  async (credentials: { clientId: string; clientSecret: string }): Promise<WriteItem[]> => {
    const existing = await load(scope.tenantId, appId)
    if (!existing?.publicKeyPem || existing.unbinding) return []
    const sealedSecret = encryptClientSecret(
      readProviderPublicKey(existing.publicKeyPem),
      credentials.clientSecret,
      existing.oaep,
    )
    return [
      ProvisioningEntity.build(UpdateTransaction)
        .item({
          tenantId: scope.tenantId,
          appId,
          clientId: credentials.clientId,
          sealedSecret,
          wake: $add(new Set<WakeAction>(['secret'])),
        })
        .options({ condition: { attr: 'generation', eq: existing.generation } }),
    ]
  }

export const boundSetting = async (scope: TenantScope, appId: string) => {
  await appWithView(scope, appId)
  const item = await load(scope.tenantId, appId)
  if (!item || item.unbinding) throw new AppError('INVALID_STATE', 'no provider is bound to this app')
  return item
}

/** An admin's request on a bound setting, as it was read, and its audit entry: one transaction. */
const requestOnSetting = (
  ctx: TenantContext,
  item: Settings,
  change: Record<string, unknown>,
  action: string,
) =>
  transaction()
    .add(
      'setting',
      ProvisioningEntity.build(UpdateTransaction)
        .item({ tenantId: ctx.tenantId, appId: item.appId, ...change } as never)
        .options({ condition: { attr: 'generation', eq: item.generation } }),
    )
    .add('audit', auditWrite(ctx, { actorId: ctx.actor.accountId, action, targetId: item.appId }))
    .run({ setting: () => new AppError('CONFLICT', 'the setting changed meanwhile; retry') })

/** Sends the provider everything again: the tenant, the credentials, the departments, the members. */
export const resync = async (ctx: TenantContext, appId: string) => {
  const item = await boundSetting(ctx, appId)
  await requestOnSetting(
    ctx,
    item,
    { wake: $add(new Set<WakeAction>(['resync'])) },
    'app.provisioning-resync',
  )
  return provisioningStatus(ctx, appId)
}

/**
 * A parked (or waiting) queue is tried again, from its first delivery, with a fresh count of
 * attempts: due now, so the sender's next minute takes it.
 */
export const retryNow = async (ctx: TenantContext, appId: string) => {
  const item = await boundSetting(ctx, appId)
  if (item.state !== 'parked' && item.state !== 'failing') {
    throw new AppError('INVALID_STATE', 'nothing is waiting for a retry')
  }
  const at = nowIso()
  const due = {
    state: 'failing',
    attempts: 0,
    retryAt: at,
    ...dueKeysIn(RETRY_DUE, at, 'PROV', ctx.tenantId, appId),
  }
  await requestOnSetting(ctx, item, due, 'app.provisioning-retry')
  return provisioningStatus(ctx, appId)
}

export const provisioningStatus = async (scope: TenantScope, appId: string) => {
  await appWithView(scope, appId)
  const item = await load(scope.tenantId, appId)
  if (!item || item.unbinding) {
    return { appId, dialect: 'none' as const, state: 'idle' as const, queued: 0, attempts: 0 }
  }
  const all = await queryPage(DeliveryEntity, {
    partition: tenantPartition(scope.tenantId),
    prefix: deliveryPrefix(appId),
    limit: 1000,
  })
  // what was queued for an earlier endpoint is dropped at the next sending, never sent
  const waiting = all.items.filter((d) => d.generation === item.generation).length
  return {
    appId,
    dialect: item.dialect,
    state: waiting === 0 && item.state === 'pending' ? ('idle' as const) : item.state,
    queued: waiting,
    attempts: item.attempts,
    nextAttemptAt: item.retryAt,
    lastSuccessAt: item.lastSuccessAt,
    lastError: item.lastError as
      | { at: string; message: string; code?: string; httpStatus?: number }
      | undefined,
  }
}
