import { appWithView } from '../apps/registry.js'
import { approvedFields } from '../apps/user-data.js'
import { tenantApiBase } from '../core/http/origin.js'
import { outboundFetch } from '../core/http/outbound.js'
import { scopeOf, type TenantId } from '../core/tenancy.js'
import { type Department, departmentTree } from '../directory/departments.js'
import { findTenant } from '../tenants/queries.js'
import {
  allOrgSyncBody,
  applicationSyncBody,
  authSyncBody,
  type KitInterface,
  type KitOrg,
  type KitVersion,
  kitPath,
  singleOrgSyncBody,
  tenantSyncBody,
} from './kit-bodies.js'
import type { JsonObject } from './kit-json.js'
import { parseKitResponse } from './kit-response.js'
import { signKit } from './kit-sign.js'
import type { Batch, Outcome, Send, Settings } from './pump.js'
import { scimSend } from './scim.js'
import { providerSecret } from './settings.js'
import { clearedFields, enterpriseOrg, kitUsers } from './users.js'

/** The providers' request timeout the workbench documents (C.1). */
const CALL_TIMEOUT_MS = 5000

const flatten = (tree: Department[]): KitOrg[] =>
  tree.flatMap((d) => [
    { orgCode: d.deptId, orgName: d.name, parentCode: d.parentId ?? '' },
    ...flatten(d.children),
  ])

type Flag = 0 | 1 | 2 | 3

/** The body of one batch in the workbench's sync interfaces (protocol doc C), or nothing to send. */
const bodyOf = async (
  version: KitVersion,
  settings: Settings,
  batch: Batch,
): Promise<{ iface: KitInterface; body: JsonObject } | undefined> => {
  const tenantId = settings.tenantId as TenantId
  const tenant = await findTenant(tenantId)
  if (!tenant) return undefined
  const common = { instanceId: settings.instanceId, tenantId, testFlag: 0 as const }
  const flag = (batch.flag ?? 1) as Flag
  switch (batch.kind) {
    case 'tenant':
      return {
        iface: 'tenantSync',
        body: tenantSyncBody(version, {
          ...common,
          orderId: '',
          tenantCode: tenant.code,
          name: tenant.name,
          domainName: tenantApiBase(tenant.code),
          flag: flag as never,
        }),
      }
    case 'application':
      return {
        iface: 'applicationSync',
        body: applicationSyncBody(version, {
          ...common,
          appId: settings.appId,
          clientId: settings.clientId ?? '',
          clientSecret: settings.sealedSecret ?? '',
          flag: flag as never,
        }),
      }
    case 'allOrg':
      return {
        iface: 'allOrgSync',
        body: allOrgSyncBody(version, {
          ...common,
          orgs: [enterpriseOrg(tenant), ...flatten(await departmentTree(scopeOf(tenantId)))],
        }),
      }
    case 'org': {
      const dept = batch.dept
      if (!dept) return undefined
      return {
        iface: 'singleOrgSync',
        body: singleOrgSyncBody(version, {
          ...common,
          orgCode: dept.deptId,
          orgName: dept.name,
          parentCode: dept.parentId,
          flag: flag as never,
        }),
      }
    }
    case 'users': {
      // a modify clears what the app asks for and may not have (a withdrawn approval: Q5)
      const found = await appWithView(scopeOf(tenantId), settings.appId).catch(() => undefined)
      const users = await kitUsers(tenantId, tenant.code, settings.appId, batch.memberIds, {
        entitledOnly: flag === 1 || flag === 2,
        clear:
          flag === 2 && found
            ? clearedFields(found.view.requestedFields, approvedFields(found.app, found.view))
            : [],
      })
      if (users.length === 0) return undefined
      return {
        iface: 'authSync',
        body: authSyncBody(version, { ...common, appId: settings.appId, users, flag: flag as never }),
      }
    }
    default:
      return undefined
  }
}

/**
 * The workbench's sync interfaces (v2 signed headers, or v1's authToken): one POST of JSON to the
 * provider's base URL and the interface's fixed sub-path, signed afresh at every attempt; success
 * is HTTP 200 with resultCode 000000 and nothing else.
 */
export const workbenchSend: Send = async (settings, batch): Promise<Outcome> => {
  const version = kitVersionOf(settings)
  const built = await bodyOf(version, settings, batch)
  if (!built) return { ok: true, message: 'nothing to send' }
  return postKit(settings, built.iface, built.body)
}

export const kitVersionOf = (settings: Settings): KitVersion =>
  settings.dialect === 'workbench-v1' ? 'v1' : 'v2'

/** One signed call to the provider, and how it answered. */
export const postKit = async (
  settings: Settings,
  iface: KitInterface,
  body: JsonObject,
): Promise<Outcome> => {
  const version = kitVersionOf(settings)
  const accessKey = await providerSecret(settings)
  if (!accessKey) return { ok: false, message: 'the access key cannot be read (is the workbench active?)' }
  const signed = signKit(version, accessKey, body)
  const res = await outboundFetch(`${settings.baseUrl}${kitPath(version, iface)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=UTF-8', ...signed.headers },
    body: signed.payload,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  })
  const answer = parseKitResponse(res.status, await res.text())
  return { ok: answer.ok, code: answer.code, message: answer.message, httpStatus: res.status }
}

/** The sender of a setting's dialect. */
export const senderOf = (settings: Settings): Send => (settings.dialect === 'scim' ? scimSend : workbenchSend)
