import { boolean, Entity, item, list, map, number, string } from 'dynamodb-toolbox'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { dueKeys } from '../core/due.js'

/** Methods a system admin verifies an enterprise by; marketplaces verify their buyers themselves. */
export const VERIFICATION_METHODS = ['business-licence', 'legal-representative', 'bank-transfer'] as const

export const TENANT_STATUSES = ['active', 'frozen', 'released'] as const
export type TenantStatus = (typeof TENANT_STATUSES)[number]

/** The tenant ("instance"): its edition's limits are copied here so one read answers usage. */
export const TenantEntity = new Entity({
  name: 'Tenant',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    code: string(),
    name: string(),
    industry: string(),
    planCode: string(),
    product: string(),
    edition: string(),
    planName: string(),
    /** the edition's price model, copied like its limits (absent: opened before it was copied) */
    priceModel: string().optional(),
    limits: map({
      maxMembers: number(),
      customPortal: boolean(),
      integrationFlows: number(),
      diagnosisTool: boolean(),
      /** the drive's quota in bytes (absent: opened before it was copied; the drive's default) */
      driveBytes: number().optional(),
    }),
    /** seats in use; changed only in the transaction that adds or removes a member */
    memberCount: number(),
    status: string().enum(...TENANT_STATUSES),
    frozenReason: string().enum('expired', 'manual').optional(),
    trial: boolean(),
    customerId: string(),
    /**
     * The enterprise's real-name verification before opening: how, the record checked, who vouched
     * (a system admin's account, or the marketplace that verified its buyer), when. Absent only on
     * tenants opened before it was recorded.
     */
    verification: map({
      method: string().enum(...VERIFICATION_METHODS, 'marketplace'),
      reference: string(),
      by: string(),
      at: string(),
    }).optional(),
    /** the marketplace that opened the tenant: only it may act on the instance (absent: the platform) */
    market: string().optional(),
    customerLevel: string(),
    expiresAt: string(),
    frozenAt: string().optional(),
    retentionUntil: string().optional(),
    /** a free edition past its end, kept usable by a third-party app subscription until then */
    keptOpenUntil: string().optional(),
    /** how members' contact fields show to other members in contacts (absent: the defaults) */
    contactFields: map({ mobile: string(), email: string(), employeeNo: string() }).optional(),
    /** the public service numbers the admin maintains, shown in contacts */
    servicePhones: list(map({ name: string(), phone: string() })).optional(),
    /** the enterprise's contact person, JSON under the tenant's key */
    contactEnc: string().optional(),
    releasedAt: string().optional(),
    createdAt: string(),
    adminAccountId: string(),
    /** where members' national mobile numbers are read (absent: opened before regions existed) */
    phoneRegion: string().optional(),
    GSI1PK: string(),
    GSI1SK: string(),
    GSI2PK: string(),
    GSI2SK: string(),
    DUEPK: string().optional(),
    DUESK: string().optional(),
  }),
  computeKey: ({ tenantId }: { tenantId: string }) => ({ PK: tenantPartition(tenantId), SK: 'TENANT' }),
})

/** Index keys follow status and due date, so they are recomputed on every transition. */
export const tenantIndexKeys = (t: {
  tenantId: string
  industry: string
  status: TenantStatus
  createdAt: string
  dueAt?: string
}) => ({
  GSI1PK: `TENANTS#IND#${t.industry}`,
  GSI1SK: `${t.status}#${t.createdAt}#${t.tenantId}`,
  GSI2PK: 'TENANTS',
  GSI2SK: `${t.status}#${t.createdAt}#${t.tenantId}`,
  ...(t.dueAt ? dueKeys(t.dueAt, 'TENANT', t.tenantId) : { DUEPK: undefined, DUESK: undefined }),
})

/** Guard: tenant codes are unique, and resolve a code (login, public pages) to the tenant. */
export const TenantCodeEntity = new Entity({
  name: 'TenantCode',
  table,
  timestamps: false,
  schema: item({ code: string().key(), tenantId: string() }),
  computeKey: ({ code }: { code: string }) => ({ PK: `TCODE#${code}`, SK: 'TCODE' }),
})

/**
 * Guards per marketplace customer: INSTANCE (one live workbench; removed on release) and
 * TRIAL#<product> (the free edition was opened once; never removed).
 */
export const CustomerGuardEntity = new Entity({
  name: 'CustomerGuard',
  table,
  timestamps: false,
  schema: item({ customerId: string().key(), guard: string().key(), tenantId: string() }),
  computeKey: ({ customerId, guard }: { customerId: string; guard: string }) => ({
    PK: `CUST#${customerId}`,
    SK: guard,
  }),
})

export const TenantHistoryEntity = new Entity({
  name: 'TenantHistory',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    eventId: string().key(),
    at: string(),
    action: string(),
    fromStatus: string().optional(),
    toStatus: string(),
    actor: string(),
    orderId: string().optional(),
    note: string().optional(),
  }),
  computeKey: ({ tenantId, eventId }: { tenantId: string; eventId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `HIST#${eventId}`,
  }),
})
