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
 * A capability's part in opening and running a tenant, declared by the capability and run by the
 * tenants capability, which knows none of them: its writes when a tenant opens (they join the
 * opening's transaction) and what keeps a free edition open. Registered by lib/capabilities.ts in
 * the functions that open tenants or settle an expiry.
 */
export interface TenantHooks {
  name: string
  onOpen?: (tenant: OpeningTenant) => WriteItem[]
  /**
   * Until when something of the capability keeps a free edition usable past its own end (a
   * third-party app subscription still running); undefined: nothing does
   */
  keepsOpen?: (scope: TenantScope) => Promise<string | undefined>
}

/**
 * A capability's part in a tenant's end and its scheduled work: how its items outside the tenant's
 * partition are purged at release (the partition itself is purged last, by the tenants
 * capability), and its kinds of due work. Registered apart from the hooks, by
 * lib/capability-jobs.ts in the lifecycle function only, so that the functions that open tenants
 * do not carry what the jobs need (the drive's S3 client).
 */
export interface TenantJobs {
  name: string
  /** deletes up to `budget` items; called again until done (a killed run resumes) */
  purge?: (scope: TenantScope, budget: number) => Promise<PurgeProgress>
  /** due kinds (the KIND of a due key) and what to do when one is due; returns an outcome name */
  due?: Record<string, (ids: string[], run: DueRun) => Promise<string>>
}

/** One process-wide list, filled once by its composition; reading it before then is a wiring bug. */
const composition = <T extends { name: string }>(file: string) => {
  const registered: T[] = []
  return {
    register: (...parts: T[]): void => {
      for (const p of parts) if (!registered.some((r) => r.name === p.name)) registered.push(p)
    },
    all: (): readonly T[] => {
      if (registered.length === 0) {
        throw new Error(`nothing registered: import ${file} where the function starts`)
      }
      return registered
    },
  }
}

const hooks = composition<TenantHooks>('lib/capabilities.js')
export const registerTenantHooks = hooks.register
export const tenantHooks = hooks.all

const jobs = composition<TenantJobs>('lib/capability-jobs.js')
/** In purge order. */
export const registerTenantJobs = jobs.register
export const tenantJobs = jobs.all
