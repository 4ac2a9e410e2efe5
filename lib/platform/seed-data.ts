import type { CatalogAppInput } from './app-schemas.js'
import { editionSku, type Industry, type Plan, type Sku } from './schemas.js'

const BASE = ['im', 'calendar', 'contacts', 'todos', 'news', 'drive']
const INDUSTRIAL_BASE = [...BASE, 'approvals', 'announcements']

const GiB = 1024 ** 3

const limits = (
  maxMembers: number,
  customPortal: boolean,
  driveGiB: number,
  integrationFlows = 0,
  diagnosisTool = false,
) => ({
  maxMembers,
  customPortal,
  integrationFlows,
  diagnosisTool,
  driveBytes: driveGiB * GiB,
})

/** The seven editions of PRODUCT.md. Sku codes are ours; the marketplace catalog maps to them. */
export const PLANS: Plan[] = [
  {
    code: 'general.basic',
    product: 'general',
    edition: 'basic',
    name: 'General workbench — basic (free, 6 months)',
    skuCode: 'atrium-general-basic',
    priceModel: 'free-trial',
    trialMonths: 6,
    repeatable: false,
    limits: limits(50, false, 10),
    baseApps: BASE,
  },
  {
    code: 'general.professional',
    product: 'general',
    edition: 'professional',
    name: 'General workbench — professional',
    skuCode: 'atrium-general-professional',
    priceModel: 'yearly',
    trialMonths: 0,
    repeatable: true,
    limits: limits(100, true, 100),
    baseApps: BASE,
  },
  {
    code: 'general.enterprise',
    product: 'general',
    edition: 'enterprise',
    name: 'General workbench — enterprise',
    skuCode: 'atrium-general-enterprise',
    priceModel: 'yearly',
    trialMonths: 0,
    repeatable: true,
    limits: limits(500, true, 500),
    baseApps: BASE,
  },
  {
    code: 'industrial.basic',
    product: 'industrial',
    edition: 'basic',
    name: 'Industrial workbench — basic (free, 6 months)',
    skuCode: 'atrium-industrial-basic',
    priceModel: 'free-trial',
    trialMonths: 6,
    repeatable: false,
    limits: limits(50, false, 10),
    baseApps: INDUSTRIAL_BASE,
  },
  {
    code: 'industrial.professional-basic',
    product: 'industrial',
    edition: 'professional-basic',
    name: 'Industrial workbench — professional basic',
    skuCode: 'atrium-industrial-professional-basic',
    priceModel: 'yearly',
    trialMonths: 0,
    repeatable: true,
    limits: limits(100, true, 100, 20, true),
    baseApps: INDUSTRIAL_BASE,
  },
  {
    code: 'industrial.professional-standard',
    product: 'industrial',
    edition: 'professional-standard',
    name: 'Industrial workbench — professional standard',
    skuCode: 'atrium-industrial-professional-standard',
    priceModel: 'yearly',
    trialMonths: 0,
    repeatable: true,
    limits: limits(500, true, 500, 80, true),
    baseApps: INDUSTRIAL_BASE,
  },
  {
    code: 'industrial.professional-enhanced',
    product: 'industrial',
    edition: 'professional-enhanced',
    name: 'Industrial workbench — professional enhanced',
    skuCode: 'atrium-industrial-professional-enhanced',
    priceModel: 'yearly',
    trialMonths: 0,
    repeatable: true,
    limits: limits(1000, true, 1024, 200, true),
    baseApps: INDUSTRIAL_BASE,
  },
]

export const INDUSTRIES: Industry[] = [
  {
    code: 'office',
    name: 'Office',
    preinstalledApps: ['drive', 'todo-centre'],
  },
  {
    code: 'industrial',
    name: 'Industrial',
    preinstalledApps: ['drive', 'todo-centre', 'approvals'],
  },
  {
    code: 'education',
    name: 'Education',
    preinstalledApps: ['drive', 'todo-centre'],
  },
  {
    code: 'medical',
    name: 'Medical',
    preinstalledApps: ['drive', 'todo-centre'],
  },
]

const builtIn = (code: string, name: string): CatalogAppInput => ({
  code,
  name,
  kind: 'built-in',
  clientTypes: ['web', 'h5'],
  protocol: 'built-in',
})

export const BUILT_IN_APPS: CatalogAppInput[] = [
  builtIn('drive', 'Drive'),
  builtIn('todos', 'Todos'),
  builtIn('calendar', 'Calendar'),
  builtIn('todo-centre', 'Todo centre'),
  builtIn('im', 'Messages'),
  builtIn('contacts', 'Contacts'),
  builtIn('news', 'News'),
  builtIn('announcements', 'Announcements'),
  builtIn('approvals', 'Approvals'),
]

/** Third-party apps a tenant can subscribe to through the marketplace. */
export const SUBSCRIBABLE_APPS: CatalogAppInput[] = [
  {
    code: 'erp-cloud',
    name: 'ERP Cloud',
    description: 'Ledgers, purchasing and stock for manufacturers',
    kind: 'subscribed',
    clientTypes: ['web', 'desktop'],
    protocol: 'oauth2',
    homeUrl: 'https://erp-cloud.example.com/',
    redirectUris: ['https://erp-cloud.example.com/sso/callback'],
    attributes: [{ key: 'accountSet', name: 'Account set', options: ['Head office', 'Plant 1'] }],
    requestedFields: ['mobile', 'employeeNo', 'departments'],
    marketplaceUrl: 'https://marketplace.example.com/apps/erp-cloud',
  },
  {
    code: 'crm-pro',
    name: 'CRM Pro',
    description: 'Customers, leads and visits, on the phone too',
    kind: 'subscribed',
    clientTypes: ['web', 'h5'],
    protocol: 'oidc',
    homeUrl: 'https://crm-pro.example.com/',
    redirectUris: ['https://crm-pro.example.com/auth/callback'],
    requestedFields: ['email', 'mobile'],
    marketplaceUrl: 'https://marketplace.example.com/apps/crm-pro',
  },
]

/** The marketplace catalog: each edition's sku, and app plans with their seats. */
export const SKUS: Sku[] = [
  ...PLANS.map(editionSku),
  ...[20, 100].flatMap((seats) =>
    SUBSCRIBABLE_APPS.map((app) => ({
      skuCode: `${app.code}-${seats}`,
      productId: app.code,
      name: `${app.name}, ${seats} seats`,
      // the smaller plan of each app may be tried for a month first
      target: { type: 'app' as const, appCode: app.code, seats, ...(seats === 20 ? { trialDays: 30 } : {}) },
    })),
  ),
]
