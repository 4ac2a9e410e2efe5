import { $remove, $set, UpdateItemCommand } from 'dynamodb-toolbox'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import { isConditionFailure } from '../core/db/conditions.js'
import { AppError, notFound } from '../core/errors.js'
import type { TenantScope } from '../core/tenancy.js'
import { TenantEntity } from './entities.js'
import { findTenant } from './queries.js'
import type { TenantSettingsInput } from './schemas.js'
import { getTenantView } from './views.js'

const contactAad = (tenantId: string) => `tenant:${tenantId}:contact`

const cipherOf = async (tenantId: string) => {
  const cipher = await cipherFor(tenantScope(tenantId))
  if (!cipher) throw notFound('tenant')
  return cipher
}

/**
 * The tenant administrator's settings; only the fields given change. A new phone region changes
 * how national numbers typed from now on are read (numbers stored are in E.164 and stay); a new
 * name reaches the providers bound to its apps (the table stream); the contact person is personal
 * data, kept encrypted under the tenant's key.
 */
export const updateTenantSettings = async (scope: TenantScope, input: TenantSettingsInput) => {
  const contactEnc =
    input.contact === undefined
      ? {}
      : {
          contactEnc:
            input.contact === null
              ? $remove()
              : (await cipherOf(scope.tenantId)).encrypt(
                  JSON.stringify(input.contact),
                  contactAad(scope.tenantId),
                ),
        }
  try {
    await TenantEntity.build(UpdateItemCommand)
      .item({
        tenantId: scope.tenantId,
        phoneRegion: input.phoneRegion,
        name: input.name,
        // replaced whole (a plain value would update the parts of one that may not exist yet)
        contactFields: input.contactFields && $set(input.contactFields),
        servicePhones: input.servicePhones && $set(input.servicePhones),
        ...contactEnc,
      })
      .options({ condition: { attr: 'status', eq: 'active' } })
      .send()
  } catch (err) {
    // Frozen since the session was checked (or released): no settings change then.
    if (isConditionFailure(err)) throw new AppError('TENANT_FROZEN', 'the workbench is frozen')
    throw err
  }
  return getTenantView(scope.tenantId)
}

/** The enterprise's contact person, decrypted for its administrators. */
export const tenantContact = async (scope: TenantScope) => {
  const t = await findTenant(scope.tenantId)
  if (!t?.contactEnc) return { contact: null }
  const cipher = await cipherOf(scope.tenantId)
  return { contact: JSON.parse(cipher.decrypt(t.contactEnc, contactAad(scope.tenantId))) }
}
