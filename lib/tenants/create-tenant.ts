import { PutTransaction } from 'dynamodb-toolbox'
import { nowIso } from '../core/clock.js'
import { newDataKey, tenantScope } from '../core/crypto/data-keys.js'
import type { WriteItem } from '../core/db/conditions.js'
import { ConditionsFailed, transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import { identifierKind, mobileNumber, platformPhoneRegion } from '../core/identifiers.js'
import { newCode, newId } from '../core/ids.js'
import { count } from '../core/metrics.js'
import { trustedTenantId } from '../core/tenancy.js'
import { type OpeningTenant, tenantHooks } from '../core/tenant-hooks.js'
import { prepareAccount } from '../identity/accounts.js'
import { getIndustry, getPlan } from '../platform/catalog.js'
import { CustomerGuardEntity, TenantCodeEntity, TenantEntity, tenantIndexKeys } from './entities.js'
import { historyWrite } from './history.js'
import { type TenantRecord, tenantDomain } from './record.js'
import { reminderWrites } from './reminders.js'
import type { CreateTenantInput } from './schemas.js'
import { toTenantView } from './views.js'

const addMonths = (iso: string, months: number): string => {
  const d = new Date(iso)
  d.setUTCMonth(d.getUTCMonth() + months)
  return d.toISOString()
}

export interface CreateTenantOptions {
  /** the marketplace whose order opens it (it alone may act on the instance later) */
  market?: string
  /** who opened it: a system admin's account id, or 'marketplace' */
  actor: string
  orderId?: string
  /**
   * A write that claims the request (e.g. a marketplace order), built from the result and
   * committed first in the same transaction: a duplicate request fails it and opens nothing.
   */
  claim?: (opened: OpenedTenant) => Promise<WriteItem>
}

export type OpenTenantInput = Omit<CreateTenantInput, 'admin' | 'verification'> & {
  /** without an identifier the administrator gets `admin@<tenant domain>` */
  admin: { identifier?: string; name: string }
  /** how the enterprise was verified; `marketplace`: the marketplace verified its buyer (the order is the reference) */
  verification: { method: CreateTenantInput['verification']['method'] | 'marketplace'; reference: string }
}

export interface OpenedTenant {
  tenant: ReturnType<typeof toTenantView>
  admin: { accountId: string; identifier: string; initialPassword?: string; existingAccount: boolean }
}

/** The claim lost: the same request was (or is being) handled by another delivery. */
export class ClaimTaken extends Error {}

/**
 * Opens a tenant instance in one transaction: the tenant, its code, its data key, the administrator's
 * account, what each capability writes for a new tenant (the administrator's membership, the apps…)
 * and the customer guards. The guards' conditions
 * hold "one instance per customer" and "the free edition once per customer" in the database.
 */
export const createTenant = async (
  input: OpenTenantInput,
  options: CreateTenantOptions,
): Promise<OpenedTenant> => {
  const [plan, industry] = await Promise.all([getPlan(input.planCode), getIndustry(input.industry)])
  const invalid = (path: string, message: string) =>
    new AppError('VALIDATION_FAILED', `${path}: ${message}`, [{ path, message }])
  if (!plan) throw invalid('body.planCode', 'unknown plan')
  if (plan.retired)
    throw new AppError('PLAN_RETIRED', `${plan.code} is no longer sold`, [
      { path: 'body.planCode', message: 'no longer sold' },
    ])
  if (!industry) throw invalid('body.industry', 'unknown industry')
  const createdAt = nowIso()
  let expiresAt: string
  if (plan.priceModel === 'free-trial') {
    expiresAt = addMonths(createdAt, plan.trialMonths)
  } else {
    if (!input.expiresAt) throw invalid('body.expiresAt', 'required for a paid edition')
    if (Date.parse(input.expiresAt) <= Date.parse(createdAt))
      throw invalid('body.expiresAt', 'must be in the future')
    expiresAt = new Date(input.expiresAt).toISOString()
  }
  // A paid edition may be on a marketplace trial too; the free editions always are.
  const trial = plan.priceModel === 'free-trial' || input.trial
  const phoneRegion = input.phoneRegion ?? platformPhoneRegion()
  // The administrator's mobile is their login and their directory contact: stored in E.164.
  const given = input.admin.identifier
  const adminIdentifier =
    given && identifierKind(given) === 'mobile'
      ? mobileNumber(given, phoneRegion, 'body.admin.identifier')
      : given

  // Two attempts: a fresh account or tenant code can lose a race; a customer guard cannot.
  for (let attempt = 0; ; attempt++) {
    const tenantId = newId()
    const code = newCode()
    const identifier = adminIdentifier ?? `admin@${tenantDomain(code)}`
    const account = await prepareAccount(identifier)
    const dataKey = await newDataKey(tenantScope(tenantId))
    const tenant: TenantRecord = {
      tenantId,
      code,
      name: input.name,
      industry: industry.code,
      planCode: plan.code,
      product: plan.product,
      edition: plan.edition,
      planName: plan.name,
      priceModel: plan.priceModel,
      limits: plan.limits,
      memberCount: 1,
      status: 'active',
      trial,
      customerId: input.customerId,
      market: options.market,
      verification: { ...input.verification, by: options.actor, at: createdAt },
      customerLevel: input.customerLevel,
      expiresAt,
      createdAt,
      adminAccountId: account.accountId,
      phoneRegion,
      ...tenantIndexKeys({
        tenantId,
        industry: industry.code,
        status: 'active',
        createdAt,
        dueAt: expiresAt,
      }),
    }
    const opening: OpeningTenant = {
      scope: { tenantId: trustedTenantId(tenantId) },
      code,
      cipher: dataKey.cipher,
      plan: { code: plan.code, baseApps: plan.baseApps },
      industry: { code: industry.code, preinstalledApps: industry.preinstalledApps },
      admin: { accountId: account.accountId, identifier, name: input.admin.name },
      phoneRegion,
      createdAt,
    }
    const opened: OpenedTenant = {
      tenant: toTenantView(tenant),
      admin: {
        accountId: account.accountId,
        identifier,
        initialPassword: account.created ? account.initialPassword : undefined,
        existingAccount: !account.created,
      },
    }
    const tx = transaction()
    if (options.claim) tx.add('claim', await options.claim(opened))
    tx.add(
      'instance',
      CustomerGuardEntity.build(PutTransaction)
        .item({ customerId: input.customerId, guard: 'INSTANCE', tenantId })
        .options({ condition: { attr: 'guard', exists: false } }),
    )
    if (!plan.repeatable) {
      tx.add(
        'trial',
        CustomerGuardEntity.build(PutTransaction)
          .item({ customerId: input.customerId, guard: `TRIAL#${plan.product}`, tenantId })
          .options({ condition: { attr: 'guard', exists: false } }),
      )
    }
    tx.add(
      'tenant',
      TenantEntity.build(PutTransaction)
        .item(tenant)
        .options({ condition: { attr: 'tenantId', exists: false } }),
      TenantCodeEntity.build(PutTransaction)
        .item({ code, tenantId })
        .options({ condition: { attr: 'code', exists: false } }),
      dataKey.put,
    )
    tx.add('account', ...account.writes)
    for (const hooks of tenantHooks()) tx.add(hooks.name, ...(hooks.onOpen?.(opening) ?? []))
    tx.add('reminders', ...reminderWrites(tenantId, expiresAt))
    tx.add(
      'history',
      historyWrite(tenantId, {
        action: 'opened',
        toStatus: 'active',
        actor: options.actor,
        orderId: options.orderId,
        note: `${plan.code}${trial ? ' (trial)' : ''}`,
      }),
    )
    try {
      await tx.run({
        claim: () => new ClaimTaken('the request was already handled'),
        instance: () => new AppError('INSTANCE_EXISTS', 'this customer already has a workbench instance'),
        trial: () => new AppError('FREE_TRIAL_USED', 'the free edition can be opened only once per customer'),
      })
    } catch (err) {
      // A fresh account or tenant code lost a race: try once more with new ones.
      if (err instanceof ConditionsFailed && attempt === 0) continue
      throw err
    }
    dataKey.commit()
    count('TenantOpened')
    return opened
  }
}
