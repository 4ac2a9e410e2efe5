import { DeleteItemCommand, Entity, GetItemCommand, item, PutItemCommand, string } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { platformCipher } from '../core/crypto/data-keys.js'
import { table } from '../core/db/table.js'
import { AppError, notFound } from '../core/errors.js'
import { errorSite, log } from '../core/log.js'
import type { TenantContext } from '../core/tenancy.js'
import { getCatalogApp } from '../platform/catalog-apps.js'
import type { ProvisioningInput } from './schemas.js'
import { bindingProblems, getProvisioning, hintOf, invalid, putProvisioning } from './settings.js'

/**
 * The provider of a subscribed catalog app (its vendor), set by the system administrator: a
 * workbench that orders the app is bound to it at once, as if its own admin had bound it, so the
 * vendor hears of the tenant, the credentials, the departments and the members granted without
 * anyone typing anything. The credential is kept sealed under the platform's key here, and under
 * the tenant's once bound. A tenant admin may change or unbind their own binding afterwards.
 */
const CatalogProviderEntity = new Entity({
  name: 'CatalogProvider',
  table,
  timestamps: false,
  schema: item({
    appCode: string().key(),
    /** the setting as put, without its credential (JSON: the fields follow ProvisioningBody) */
    setting: string(),
    secretEnc: string().optional(),
    secretHint: string().optional(),
    updatedAt: string(),
  }),
  computeKey: ({ appCode }: { appCode: string }) => ({ PK: 'CATALOG#PROVIDER', SK: appCode }),
})

const aad = (appCode: string) => `catalog-provider:${appCode}:secret`

type Setting = Omit<ProvisioningInput, 'accessKey' | 'bearerToken'>

const load = async (appCode: string) => {
  const { Item } = await CatalogProviderEntity.build(GetItemCommand)
    .key({ appCode })
    .options({ consistent: true })
    .send()
  return Item && { ...Item, setting: JSON.parse(Item.setting) as Setting }
}

const viewOf = (appCode: string, p: Awaited<ReturnType<typeof load>>) =>
  p
    ? { appId: appCode, ...p.setting, secretHint: p.secretHint, updatedAt: p.updatedAt }
    : { appId: appCode, dialect: 'none' as const }

/** Only what an order adds to workbenches has a vendor to tell. */
const subscribable = async (appCode: string) => {
  const app = await getCatalogApp(appCode)
  if (app?.kind !== 'subscribed') throw notFound('app')
  return app
}

export const getCatalogProvider = async (appCode: string) => {
  await subscribable(appCode)
  return viewOf(appCode, await load(appCode))
}

/** Sets (or with `none` removes) the app's vendor; checked as a tenant's binding is. */
export const putCatalogProvider = async (appCode: string, input: ProvisioningInput) => {
  const app = await subscribable(appCode)
  if (input.dialect === 'none') {
    await CatalogProviderEntity.build(DeleteItemCommand).key({ appCode }).send()
    return viewOf(appCode, undefined)
  }
  const existing = await load(appCode)
  const { accessKey, bearerToken, ...fields } = input
  const kept = existing && { ...existing.setting, secretEnc: existing.secretEnc }
  const issues = bindingProblems(input, kept, app.protocol)
  if (issues.length > 0) throw invalid(issues)
  const credential = accessKey ?? bearerToken
  // the fields not given keep their value, as with a tenant's binding
  const setting: Setting = {
    ...(existing?.setting.dialect === input.dialect ? existing.setting : {}),
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  } as Setting
  const item = {
    appCode,
    setting: JSON.stringify(setting),
    secretEnc: credential ? (await platformCipher()).encrypt(credential, aad(appCode)) : existing?.secretEnc,
    secretHint: credential ? hintOf(credential) : existing?.secretHint,
    updatedAt: nowIso(),
  }
  await CatalogProviderEntity.build(PutItemCommand).item(item).send()
  return viewOf(appCode, { ...item, setting })
}

/**
 * A workbench that ordered the app is bound to its vendor, unless its admin bound it already.
 * Returns whether it was bound now; never fails the order that asked.
 */
export const bindCatalogProvider = async (ctx: TenantContext, appCode: string) => {
  const vendor = await load(appCode)
  if (!vendor?.secretEnc) return false
  if ((await getProvisioning(ctx, appCode)).dialect !== 'none') return false
  const secret = (await platformCipher()).decrypt(vendor.secretEnc, aad(appCode))
  try {
    await putProvisioning(ctx, appCode, {
      ...vendor.setting,
      ...(vendor.setting.dialect === 'scim' ? { bearerToken: secret } : { accessKey: secret }),
    })
  } catch (err) {
    // bound meanwhile (a repeat of the order, or the admin): theirs stands. Anything else leaves
    // the order done and the workbench unbound, for its admin to bind: said in the log
    if (!(err instanceof AppError && err.code === 'CONFLICT'))
      log.warn('vendor binding failed', { appId: appCode, ...errorSite(err) })
    return false
  }
  return true
}
