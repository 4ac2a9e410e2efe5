import type { FieldCipher } from './crypto/field-cipher.js'
import type { WriteItem } from './db/conditions.js'
import type { PhoneRegion } from './identifiers.js'
import type { TenantScope } from './tenancy.js'

/** A tenant being opened, as the capabilities see it when they add their writes. */
export interface OpeningTenant {
  scope: TenantScope
  code: string
  /** the new tenant's own cipher (its data key is written in the same transaction) */
  cipher: FieldCipher
  plan: { code: string; baseApps: string[] }
  industry: { code: string; preinstalledApps: string[] }
  /** the administrator's identifier: an e-mail address or a mobile number in E.164 */
  admin: { accountId: string; identifier: string; name: string }
  /** where the tenant's national mobile numbers are read */
  phoneRegion: PhoneRegion
  createdAt: string
}

/** Settings of one run of the due work. */
export interface DueRun {
  /** how many items a purge step may delete */
  purgeBudget: number
}

export interface PurgeProgress {
  deleted: number
  done: boolean
}

/**
 * What a capability does in a tenant's life, declared by the capability and run by the tenants
 * capability, which knows none of them: its writes when a tenant opens (they join the opening's
 * transaction), how its items outside the tenant's partition are purged at release (the partition
 * itself is purged last, by the tenants capability), and its kinds of due work.
 */
export interface TenantHooks {
  name: string
  onOpen?: (tenant: OpeningTenant) => WriteItem[]
  /** deletes up to `budget` items; called again until done (a killed run resumes) */
  purge?: (scope: TenantScope, budget: number) => Promise<PurgeProgress>
  /**
   * Until when something of the capability keeps a free edition usable past its own end (a
   * third-party app subscription still running); undefined: nothing does
   */
  keepsOpen?: (scope: TenantScope) => Promise<string | undefined>
  /** due kinds (the KIND of a due key) and what to do when one is due; returns an outcome name */
  due?: Record<string, (ids: string[], run: DueRun) => Promise<string>>
}

const registered: TenantHooks[] = []

/** Called once per process by the composition (lib/capabilities.ts). */
export const registerTenantHooks = (...hooks: TenantHooks[]): void => {
  for (const h of hooks) if (!registered.some((r) => r.name === h.name)) registered.push(h)
}

export const tenantHooks = (): readonly TenantHooks[] => {
  if (registered.length === 0) {
    throw new Error('no capability hooks registered: import lib/capabilities.js where the function starts')
  }
  return registered
}
