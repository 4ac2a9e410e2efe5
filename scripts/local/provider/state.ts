import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { KitCall, ReceivedUser } from './kit.js'
import { emptyScimStore, type ScimStore } from './scim.js'

/**
 * What the stand-in provider holds of each tenant, as a provider keeps it: the tenant
 * (tenantSync), the app's credentials with the secret decrypted (applicationSync), the departments
 * and the users, keyed by tenantId + userName (the protocol's advice), with each call's flag
 * applied. Every call is idempotent as protocol doc C.9 asks, so Atrium may retry freely: an add
 * of what is there replaces it, a delete of what is gone succeeds.
 */

export interface ProviderUser extends ReceivedUser {
  /** the app the grant came with */
  appId: string
  /** revoked: the grant was taken away (v2 flag 3); the account stays, unable to sign in */
  state: 'granted' | 'revoked'
  updatedAt: string
}

export interface ProviderApp {
  appId: string
  clientId: string
  clientSecret: string
  updatedAt: string
}

export interface ProviderTenant {
  tenantId: string
  instanceId: string
  testFlag: number
  /** from tenantSync; unset while only other calls named the tenant */
  tenantCode?: string
  name?: string
  /** the base URL of the tenant's sign-in: `{domainName}/api/v1/oauth2/*` */
  domainName?: string
  apps: Map<string, ProviderApp>
  orgs: Map<string, { orgCode: string; orgName: string; parentCode: string }>
  users: Map<string, ProviderUser>
  updatedAt: string
}

/** One call as the page lists it (the last ones, in memory only). */
export interface CallRecord {
  at: string
  path: string
  iface: string
  flag?: number
  tenantId?: string
  resultCode: string
  resultMsg: string
}

export interface ProviderState {
  tenants: Map<string, ProviderTenant>
  calls: CallRecord[]
  /** what its SCIM service holds (one service: SCIM has no tenant, a target has its own token) */
  scim: ScimStore
}

export const emptyState = (): ProviderState => ({ tenants: new Map(), calls: [], scim: emptyScimStore() })

const STATE_FILE = 'state.json'

const tenantOf = (state: ProviderState, call: KitCall, at: string): ProviderTenant => {
  let tenant = state.tenants.get(call.tenantId)
  if (!tenant) {
    tenant = {
      tenantId: call.tenantId,
      instanceId: call.instanceId,
      testFlag: call.testFlag,
      apps: new Map(),
      orgs: new Map(),
      users: new Map(),
      updatedAt: at,
    }
    state.tenants.set(call.tenantId, tenant)
  }
  tenant.updatedAt = at
  return tenant
}

/**
 * A call applied; `clientSecret` is the decrypted secret of an applicationSync. A call for a
 * tenant that no tenantSync announced is still kept (shown as such): Atrium sends the tenant
 * first, and a provider that lost its records should not block the queue behind it.
 */
export const applyCall = (state: ProviderState, call: KitCall, at: string, clientSecret?: string): void => {
  if (call.iface === 'tenantSync') {
    // delete does not depend on the instance still existing, and deleting twice succeeds
    if (call.flag === 0) {
      state.tenants.delete(call.tenantId)
      return
    }
    const tenant = tenantOf(state, call, at)
    Object.assign(tenant, {
      instanceId: call.instanceId,
      testFlag: call.testFlag,
      tenantCode: call.tenantCode,
      name: call.name,
      domainName: call.domainName.replace(/\/+$/, ''),
    })
    return
  }
  if ((call.iface === 'applicationSync' || call.iface === 'singleOrgSync') && call.flag === 0) {
    const tenant = state.tenants.get(call.tenantId)
    if (call.iface === 'applicationSync') tenant?.apps.delete(call.appId)
    else tenant?.orgs.delete(call.orgCode)
    return
  }
  const tenant = tenantOf(state, call, at)
  switch (call.iface) {
    case 'applicationSync':
      tenant.apps.set(call.appId, {
        appId: call.appId,
        clientId: call.clientId,
        clientSecret: clientSecret ?? '',
        updatedAt: at,
      })
      return
    case 'singleOrgSync':
      tenant.orgs.set(call.orgCode, {
        orgCode: call.orgCode,
        orgName: call.orgName,
        parentCode: call.parentCode,
      })
      return
    case 'allOrgSync':
      // the whole list: what is not in it is gone, and the same list twice changes nothing
      tenant.orgs = new Map(call.orgs.map((o) => [o.orgCode, o]))
      return
    case 'authSync':
      for (const user of call.users) {
        if (call.flag === 0) tenant.users.delete(user.userName)
        else {
          const before = tenant.users.get(user.userName)
          // a modify keeps the grant's state; an add grants; a revoke (v2 flag 3) keeps the account
          const granted = call.flag === 1 || (call.flag === 2 && before?.state !== 'revoked')
          tenant.users.set(user.userName, {
            ...user,
            appId: call.appId,
            state: granted ? 'granted' : 'revoked',
            updatedAt: at,
          })
        }
      }
      return
  }
}

// --- persistence ----------------------------------------------------------------------------------

interface StoredTenant extends Omit<ProviderTenant, 'apps' | 'orgs' | 'users'> {
  apps: ProviderApp[]
  orgs: { orgCode: string; orgName: string; parentCode: string }[]
  users: ProviderUser[]
}

const toJson = (state: ProviderState) =>
  JSON.stringify(
    {
      tenants: [...state.tenants.values()].map(
        (t): StoredTenant => ({
          ...t,
          apps: [...t.apps.values()],
          orgs: [...t.orgs.values()],
          users: [...t.users.values()],
        }),
      ),
      scim: {
        version: state.scim.version,
        users: [...state.scim.users.values()],
        groups: [...state.scim.groups.values()],
      },
    },
    null,
    2,
  )

/** Written whole after each call, through a temporary file, readable by this user only (secrets). */
export const saveState = (dir: string, state: ProviderState): void => {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, STATE_FILE)
  writeFileSync(`${file}.tmp`, toJson(state), { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
}

export const loadState = (dir: string): ProviderState => {
  const file = join(dir, STATE_FILE)
  if (!existsSync(file)) return emptyState()
  const stored = JSON.parse(readFileSync(file, 'utf8')) as {
    tenants?: StoredTenant[]
    scim?: { version?: number; users?: { id: string }[]; groups?: { id: string }[] }
  }
  const state = emptyState()
  state.scim.version = stored.scim?.version ?? 0
  for (const u of stored.scim?.users ?? []) state.scim.users.set(u.id, u)
  for (const g of stored.scim?.groups ?? []) state.scim.groups.set(g.id, g)
  for (const t of stored.tenants ?? []) {
    state.tenants.set(t.tenantId, {
      ...t,
      apps: new Map(t.apps.map((a) => [a.appId, a])),
      orgs: new Map(t.orgs.map((o) => [o.orgCode, o])),
      users: new Map(t.users.map((u) => [u.userName, u])),
    })
  }
  return state
}
