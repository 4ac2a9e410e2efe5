import type { AppIdentity } from './identity.js'

type Claims = Record<string, unknown>

/** The claims that have a value: an absent field is left out, never sent empty. */
const present = <T extends Claims>(claims: T) =>
  Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)) as T

/** Claims a JWT or OpenID Connect gives a meaning of their own (RFC 7519, OIDC Core 5.1 and 2). */
const OIDC_REGISTERED = [
  'iss',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
  'sid',
  'cnf',
  'scope',
  'client_id',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'profile',
  'picture',
  'website',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number_verified',
  'address',
  'updated_at',
]

/** What a CAS endpoint adds about the login itself. */
const CAS_SESSION = ['authenticationDate', 'longTermAuthenticationRequestTokenUsed', 'isFromNewLogin']

/** The names the shapes below give the member's data (a unit test holds the list to them). */
const MEMBER_CLAIMS = [
  'id',
  'userId',
  'sub',
  'userName',
  'accName',
  'loginName',
  'preferred_username',
  'name',
  'email',
  'mobile',
  'phone_number',
  'employeeCode',
  'position',
  'departments',
  'departmentNames',
  'role',
  'organizationCode',
  'organizationName',
  'tenant',
  'projectName',
]

const RESERVED = new Set<string>([...MEMBER_CLAIMS, ...OIDC_REGISTERED, ...CAS_SESSION])

/**
 * The app's extended attributes beside a protocol's own claims. An attribute named like a claim of
 * any protocol (`email`, `mobile`, `role`, `iss`, …) is left out, set or not: an admin-typed value
 * never passes for the member's own data, nor for a field the tenant did not approve, nor for a
 * token's own claims; and an attribute has the same name in every protocol, or none.
 */
const withAttributes = <T extends Claims>(identity: AppIdentity, claims: T) => {
  const attributes = Object.entries(identity.attributes).filter(
    ([key]) => !RESERVED.has(key) && !Object.hasOwn(claims, key),
  )
  return { ...Object.fromEntries(attributes), ...present(claims) }
}

/**
 * The workbench's OAuth2 userinfo (and the light-app code exchange): the field set apps written
 * for the cloud workbench read, with the standard OIDC claims beside them.
 */
export const workbenchUserinfo = (identity: AppIdentity) => {
  const { fields } = identity
  return withAttributes(identity, {
    id: identity.sub,
    userName: identity.accountName,
    name: identity.name,
    email: fields.email,
    mobile: fields.mobile,
    role: identity.role,
    organizationCode: identity.organizationCode,
    organizationName: identity.organizationName,
    userId: identity.sub,
    accName: identity.accountName,
    loginName: identity.accountName,
    tenant: identity.tenantId,
    projectName: identity.tenantName,
    employeeCode: fields.employeeNo,
    position: fields.position,
    departments: fields.departments,
    sub: identity.sub,
    preferred_username: identity.accountName,
    phone_number: fields.mobile,
  })
}

/** OpenID Connect: the standard claims, the workbench's own as extra claims, then the attributes. */
export const oidcClaims = (identity: AppIdentity) => {
  const { fields } = identity
  return withAttributes(identity, {
    sub: identity.sub,
    preferred_username: identity.accountName,
    name: identity.name,
    email: fields.email,
    phone_number: fields.mobile,
    employeeCode: fields.employeeNo,
    position: fields.position,
    departments: fields.departments,
    role: identity.role,
    organizationCode: identity.organizationCode,
    organizationName: identity.organizationName,
    tenant: identity.tenantId,
    projectName: identity.tenantName,
  })
}

/**
 * CAS 3.0: the user is the account name; the attributes the cloud workbench promises (session
 * ones, such as `authenticationDate`, are the CAS endpoint's to add), the approved fields and the
 * app's attributes. Every value is a string or a list of strings.
 */
export const casAttributes = (identity: AppIdentity) => {
  const { fields } = identity
  return {
    user: identity.accountName,
    attributes: withAttributes(identity, {
      userName: identity.accountName,
      name: identity.name,
      role: identity.role,
      organizationCode: identity.organizationCode,
      organizationName: identity.organizationName,
      tenant: identity.tenantId,
      email: fields.email,
      mobile: fields.mobile,
      employeeCode: fields.employeeNo,
      position: fields.position,
      departments: fields.departments?.map((d) => d.code),
      departmentNames: fields.departments?.map((d) => d.name ?? ''),
    }),
  }
}
