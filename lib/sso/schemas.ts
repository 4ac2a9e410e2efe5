import * as z from 'zod'
import { AppIdParams } from '../apps/schemas.js'
import { MemberIdParams } from '../directory/member-params.js'
import { AttributeValues } from './attribute-values-schema.js'

export const AttributeValuesBody = z
  .object({ values: AttributeValues })
  .strict()
  .meta({ id: 'AttributeValuesInput' })

export const MemberAttributesSchema = z
  .object({ appId: z.string(), memberId: z.string(), values: AttributeValues })
  .meta({ id: 'MemberAttributes' })

export const AppMemberParams = AppIdParams.extend(MemberIdParams.shape)

export const LightAppCodeSchema = z
  .object({
    /** single use; the app's backend exchanges it at POST /v1/apps/code/exchange */
    code: z.string(),
    /** seconds it stays valid */
    expiresIn: z.number(),
  })
  .meta({ id: 'LightAppCode' })

/** The client's credentials here, or as HTTP Basic (then only the code). */
export const CodeExchangeBody = z
  .object({
    code: z.string().min(20).max(200),
    clientId: z.string().min(1).max(100).optional(),
    clientSecret: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'CodeExchange' })

const Claim = z.union([z.string(), z.array(z.string())])

/**
 * The member as the workbench's OAuth2 userinfo gives them (the field set apps written for it
 * read), with the standard OIDC claims; contact data only when the tenant approved it for the
 * app; the app's extended attributes as further fields.
 */
export const WorkbenchUserinfoSchema = z
  .object({
    id: z.string(),
    userName: z.string(),
    name: z.string(),
    email: z.string().optional(),
    mobile: z.string().optional(),
    role: z.enum(['admin', 'user']),
    organizationCode: z.string().optional(),
    organizationName: z.string().optional(),
    userId: z.string(),
    accName: z.string(),
    loginName: z.string(),
    tenant: z.string(),
    projectName: z.string(),
    employeeCode: z.string().optional(),
    position: z.string().optional(),
    departments: z.array(z.object({ code: z.string(), name: z.string().optional() })).optional(),
    sub: z.string(),
    preferred_username: z.string(),
    phone_number: z.string().optional(),
  })
  .catchall(Claim)
  .meta({ id: 'WorkbenchUserinfo' })
