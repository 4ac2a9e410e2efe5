import * as z from 'zod'
import { KIT_FLAGS, type KitInterface, type KitVersion } from '../../../lib/provisioning/kit-bodies.js'

/**
 * The receiving side of the workbench's sync interfaces (protocol doc C.2–C.5): a request's body
 * read as a provider's request bean would read it, both versions into one shape. What does not
 * read is the provider's 000002 (invalid parameter), naming the field.
 */

export const KIT_INTERFACES: readonly KitInterface[] = [
  'tenantSync',
  'applicationSync',
  'authSync',
  'singleOrgSync',
  'allOrgSync',
]

/** Which dialect and interface a path is: `/produceAPI/<iface>` (v1) or `/produceAPI/v2/<iface>`. */
export const kitRoute = (pathname: string): { version: KitVersion; iface: KitInterface } | undefined => {
  const match = /^\/produceAPI\/(v2\/)?([A-Za-z]+)$/.exec(pathname)
  const iface = KIT_INTERFACES.find((i) => i === match?.[2])
  return match && iface ? { version: match[1] ? 'v2' : 'v1', iface } : undefined
}

const id = (max: number) => z.string().max(max)
const required = (max: number) => z.string().trim().min(1).max(max)

const Common = z.object({
  instanceId: id(64),
  tenantId: required(64),
  testFlag: z.union([z.literal(0), z.literal(1)]),
  timeStamp: z.string().regex(/^\d{17}$/, 'yyyyMMddHHmmssSSS'),
})

/** A field that v1 sends as a JSON string (userList, orgInfo) and v2 as the JSON itself. */
const jsonText = <T extends z.ZodType>(inner: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a JSON string' })
        return z.NEVER
      }
    })
    .pipe(inner)

/** One user of authSync; fields beyond the required ones are kept as they came. */
const User = z.looseObject({
  userName: required(64),
  name: required(64),
  orgCode: required(64),
  role: z.enum(['admin', 'user']),
  enable: z.enum(['true', 'false']),
})
export type ReceivedUser = z.infer<typeof User>

const Users = z.array(User).min(1).max(500)
const Org = z.object({ orgCode: required(64), orgName: required(128), parentCode: id(64) })
const V1Org = z.object({ orgCode: required(64), name: required(128), parentCode: id(64) })
export type ReceivedOrg = z.infer<typeof Org>

const flag = (version: KitVersion, iface: keyof (typeof KIT_FLAGS)['v1']) =>
  z
    .number()
    .int()
    .refine((f) => (KIT_FLAGS[version][iface] as readonly number[]).includes(f), {
      message: `${iface} ${version} takes flag ${KIT_FLAGS[version][iface].join(', ')}`,
    })

const schemas = (version: KitVersion) => ({
  tenantSync: Common.extend({
    orderId: id(64),
    tenantCode: required(64),
    name: required(255),
    domainName: z.url().max(255),
    flag: flag(version, 'tenantSync'),
  }),
  applicationSync: Common.extend({
    appId: required(64),
    clientId: required(64),
    clientSecret: z.string().min(1),
    flag: flag(version, 'applicationSync'),
  }),
  authSync: Common.extend({
    appId: required(64),
    userList: version === 'v1' ? jsonText(Users) : Users,
    currentSyncTime: z.string().regex(/^\d{17}$/, 'yyyyMMddHHmmssSSS'),
    flag: flag(version, 'authSync'),
  }),
  singleOrgSync: Common.extend(Org.shape).extend({ flag: flag(version, 'singleOrgSync') }),
  allOrgSync:
    version === 'v1'
      ? Common.extend({
          orgInfo: jsonText(z.array(V1Org)).transform((orgs) =>
            orgs.map(({ name, ...org }) => ({ ...org, orgName: name })),
          ),
        })
      : Common.extend({ orgInfoList: z.array(Org) }),
})

type Common = z.infer<typeof Common>
/** A request as the provider keeps it, the same for both versions. */
export type KitCall = Common &
  (
    | {
        iface: 'tenantSync'
        flag: number
        orderId: string
        tenantCode: string
        name: string
        domainName: string
      }
    | { iface: 'applicationSync'; flag: number; appId: string; clientId: string; clientSecret: string }
    | { iface: 'authSync'; flag: number; appId: string; users: ReceivedUser[]; currentSyncTime: string }
    | { iface: 'singleOrgSync'; flag: number; orgCode: string; orgName: string; parentCode: string }
    | { iface: 'allOrgSync'; orgs: ReceivedOrg[] }
  )

const where = (issue: z.core.$ZodIssue) =>
  issue.path.length === 0
    ? ''
    : `${issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('')}: `

/** The body read, or what is wrong with it (the first problem, for resultMsg). */
export const readKitCall = (
  version: KitVersion,
  iface: KitInterface,
  body: unknown,
): { ok: true; call: KitCall } | { ok: false; message: string } => {
  const parsed = schemas(version)[iface].safeParse(body)
  if (!parsed.success) {
    const [issue] = parsed.error.issues
    return { ok: false, message: issue ? `${where(issue)}${issue.message}` : 'invalid body' }
  }
  const data = parsed.data as Record<string, unknown> & Common
  switch (iface) {
    case 'authSync': {
      const { userList, ...rest } = data
      return { ok: true, call: { ...rest, iface, users: userList } as KitCall }
    }
    case 'allOrgSync': {
      const { orgInfo, orgInfoList, ...rest } = data
      return { ok: true, call: { ...rest, iface, orgs: orgInfo ?? orgInfoList } as KitCall }
    }
    default:
      return { ok: true, call: { ...data, iface } as KitCall }
  }
}
