import { entitlementRequest } from '../access/records.js'
import { attributeValuesRequest } from '../apps/attribute-values.js'
import { secretMatches } from '../apps/clients.js'
import { viewOf } from '../apps/registry.js'
import type { AppView } from '../apps/schemas.js'
import { tenantAppRequest } from '../apps/tenant-apps.js'
import { approvedFields } from '../apps/user-data.js'
import { TENANT_ADMIN_ROLE } from '../core/auth/permissions.js'
import { cipherFor, tenantScope } from '../core/crypto/data-keys.js'
import type { FieldCipher } from '../core/crypto/field-cipher.js'
import { batchGetRequests } from '../core/db/batch-get.js'
import { AppError, notFound } from '../core/errors.js'
import type { TenantId } from '../core/tenancy.js'
import { departmentNamesOf, departmentNamesRequest } from '../directory/departments.js'
import { accountName, memberField } from '../directory/member-record.js'
import { accountRequest, type Membership, membershipRequest } from '../identity/accounts.js'
import { catalogAppOf, catalogAppRequest } from '../platform/catalog-apps.js'
import { tenantRequest } from '../tenants/queries.js'
import type { TenantRecord } from '../tenants/record.js'
import { type AttributeValues, valuesFor } from './attribute-values-schema.js'

/** Why a member may not sign in to an app, in the order they are checked. */
export type Refusal =
  | 'tenant_inactive'
  | 'no_such_app'
  | 'app_disabled'
  | 'app_lapsed'
  | 'no_such_member'
  | 'member_disabled'
  | 'waiting_for_seat'
  | 'not_entitled'

/**
 * A member as one app may see them. `fields` holds only the personal fields the tenant approved
 * for the app (of those it asks for): every protocol's claims are built from this, so what was not
 * approved is not here to leak.
 */
export interface AppIdentity {
  /** the member's outward id in this tenant (see accountName) */
  sub: string
  /** the same value: OIDC preferred_username, the workbench's userName, the CAS user */
  accountName: string
  name: string
  /** `admin`: the tenant administrator; everyone else `user` */
  role: 'admin' | 'user'
  /** the member's primary (first) department */
  organizationCode?: string
  organizationName?: string
  tenantId: string
  tenantName: string
  fields: {
    mobile?: string
    email?: string
    employeeNo?: string
    departments?: { code: string; name?: string }[]
    position?: string
  }
  /** the member's values of the app's extended attributes */
  attributes: AttributeValues
}

/** The app as the read found it: what a protocol needs to let the app's client in. */
export interface AppClient {
  appId: string
  protocol: string
  clientId?: string
  /** whether a presented secret is the client's (constant time) */
  secretMatches: (secret: string) => boolean
  /** the app as the tenant has it (its name, icon and registered addresses) */
  view: AppView
}

export type AppIdentityResult =
  | { ok: true; identity: AppIdentity; app: AppClient }
  | { ok: false; refusal: Refusal; app?: AppClient }

type AppItem = Parameters<typeof viewOf>[0]

/** What one read of a member's standing with an app returns (see appIdentity). */
export interface Standing {
  tenant?: Pick<TenantRecord, 'tenantId' | 'name' | 'status'>
  app?: AppItem
  catalog?: { doc?: unknown }
  membership?: Membership
  account?: { status: string }
  entitlement?: { state: string }
  departmentNames: Record<string, string>
  attributeValues?: { values?: unknown }
}

/**
 * The member's identity for the app, or why they may not sign in to it, from what was read. The
 * personal fields are filtered here, in one place, and only the approved ones are decrypted.
 */
export const identityFrom = (s: Standing, cipher: FieldCipher | undefined): AppIdentityResult => {
  const live = s.app?.status === 'released' ? undefined : s.app
  const view = live && viewOf(live, live.source === 'self-built' ? undefined : catalogAppOf(s.catalog))
  const app: AppClient | undefined = view && {
    appId: view.appId,
    protocol: view.protocol,
    clientId: live.clientId,
    secretMatches: (secret) => secretMatches(secret, live.clientSecretHash),
    view,
  }
  const refuse = (refusal: Refusal): AppIdentityResult => ({ ok: false, refusal, app })
  if (s.tenant?.status !== 'active' || !cipher) return refuse('tenant_inactive')
  if (!live || !view || !app) return refuse('no_such_app')
  if (!view.enabled) return refuse('app_disabled')
  if (live.status !== 'active') return refuse('app_lapsed')
  const m = s.membership
  if (!m || !s.account) return refuse('no_such_member')
  if (m.status !== 'active' || s.account.status !== 'active') return refuse('member_disabled')
  if (s.entitlement?.state === 'waiting') return refuse('waiting_for_seat')
  if (s.entitlement?.state !== 'entitled') return refuse('not_entitled')

  const approved = new Set(approvedFields(live, view))
  const departmentIds = m.departmentIds ?? []
  const primary = departmentIds[0]
  const sub = accountName(s.tenant.tenantId, m.accountId)
  return {
    ok: true,
    app,
    identity: {
      sub,
      accountName: sub,
      name: memberField(cipher, m, 'name') ?? '',
      role: m.roles.includes(TENANT_ADMIN_ROLE) ? 'admin' : 'user',
      organizationCode: primary,
      organizationName: primary === undefined ? undefined : s.departmentNames[primary],
      tenantId: s.tenant.tenantId,
      tenantName: s.tenant.name,
      fields: {
        mobile: approved.has('mobile') ? memberField(cipher, m, 'mobile') : undefined,
        email: approved.has('email') ? memberField(cipher, m, 'email') : undefined,
        employeeNo: approved.has('employeeNo') ? m.employeeNo : undefined,
        departments: approved.has('departments')
          ? departmentIds.map((code) => ({ code, name: s.departmentNames[code] }))
          : undefined,
        // The directory keeps no position yet: an approval of it passes nothing on.
      },
      attributes: valuesFor(view.attributes, s.attributeValues),
    },
  }
}

/** The reads of `appIdentity`, for a caller that batches them with reads of its own. */
export const identityRequests = (tenantId: TenantId, appCode: string, memberId: string) => [
  tenantRequest(tenantId),
  tenantAppRequest(tenantId, appCode),
  catalogAppRequest(appCode),
  membershipRequest('tenant', tenantId, memberId),
  accountRequest(memberId),
  entitlementRequest(tenantId, memberId, appCode),
  departmentNamesRequest(tenantId),
  attributeValuesRequest(tenantId, appCode, memberId),
]

/** The identity from what `identityRequests` read, in its order. */
export const identityOfFound = (
  found: (Record<string, unknown> | undefined)[],
  cipher: FieldCipher | undefined,
) => {
  const [tenant, app, catalog, membership, account, entitlement, names, attributeValues] = found
  return identityFrom(
    {
      tenant: tenant as Standing['tenant'],
      app: app as AppItem | undefined,
      catalog,
      membership: membership as Membership | undefined,
      account: account as Standing['account'],
      entitlement: entitlement as Standing['entitlement'],
      departmentNames: departmentNamesOf(names),
      attributeValues,
    },
    cipher,
  )
}

/** The tenant's key for the personal fields an identity decrypts (kept by the container). */
export const identityCipher = (tenantId: TenantId) => cipherFor(tenantScope(tenantId))

/**
 * Who a member is to an app, or why they may not sign in to it (tenant not active, app gone,
 * switched off or lapsed, member gone or disabled, waiting for a seat, no grant). One consistent
 * BatchGetItem reads everything it needs: the tenant, the tenant's app and its catalog entry, the
 * membership and account, the member's entitlement, the department names and the member's values
 * of the app's attributes. Every sign-in protocol (OIDC, the workbench's OAuth2, CAS, light-app
 * codes) asks here, at every step that hands out who the member is.
 */
export const appIdentity = async (
  tenantId: TenantId,
  appCode: string,
  memberId: string,
): Promise<AppIdentityResult> => {
  const [found, cipher] = await Promise.all([
    batchGetRequests(identityRequests(tenantId, appCode, memberId), { consistent: true }),
    identityCipher(tenantId),
  ])
  return identityOfFound(found, cipher)
}

/** Every error a refusal may answer (refusalError), for the routes that list their errors. */
export const REFUSAL_ERRORS = [
  'NOT_FOUND',
  'NOT_ENTITLED',
  'ACCOUNT_DISABLED',
  'TENANT_FROZEN',
  'APP_DISABLED',
  'APP_LAPSED',
  'WAITING_FOR_SEAT',
] as const

/** A refusal as the API answers it; `details.reason` names it. */
export const refusalError = (refusal: Refusal): AppError => {
  const details = { reason: refusal }
  switch (refusal) {
    case 'no_such_app':
      return notFound('app')
    case 'tenant_inactive':
      return new AppError('TENANT_FROZEN', 'this workbench is not active', details)
    case 'app_disabled':
      return new AppError('APP_DISABLED', 'the app is switched off in this workbench', details)
    case 'app_lapsed':
      return new AppError('APP_LAPSED', "the app's licence has lapsed", details)
    case 'member_disabled':
      return new AppError('ACCOUNT_DISABLED', 'this account is disabled here', details)
    case 'waiting_for_seat':
      return new AppError('WAITING_FOR_SEAT', 'every seat of the app is taken: waiting for one', details)
    case 'no_such_member':
    case 'not_entitled':
      return new AppError('NOT_ENTITLED', 'the app is not granted to this member', details)
  }
}
